# 01-1: give the Headlight a price, leaving its other attributes as they are.
from decimal import Decimal

import boto3

inventory = boto3.resource("dynamodb").Table(s.names.inventory_table)
inventory.update_item(
    Key={"itemId": "Headlight"},
    UpdateExpression="SET price = :price",
    ExpressionAttributeValues={":price": Decimal("49.90")},  # the resource API takes Decimal
)
inventory.get_item(Key={"itemId": "Headlight"}, ConsistentRead=True)["Item"]
