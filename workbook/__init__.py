"""The workbook's shared definitions of the order service stack."""
