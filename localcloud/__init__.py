"""A local AWS cloud for the workbook: moto's server plus a real Lambda runtime and the rest.

Start it with `python -m localcloud start`; clients reach it with plain boto3 and
`AWS_ENDPOINT_URL`. See docs/architecture.md.
"""
