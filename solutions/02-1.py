# 02-1: InventoryCheckFunction also answers `remaining`, the stock left once the order is taken.
# In the lab you would make this edit in lambdas/inventory_check/app.py, save it and run the
# redeploy cell. This answer leaves the file as it is and deploys an edited copy instead, so
# the next notebook's catch-up, which redeploys lambdas/ over any code that differs, undoes it:
# make the same edit in the file to keep it.
import json

import boto3

from workbook import packaging, stack

before = '    return {"itemId": event["itemId"], "result": result, "available": available}\n'
after = """\
    answer = {"itemId": event["itemId"], "result": result, "available": available}
    # What stays in stock: less this order if it can be served, all of it otherwise.
    answer["remaining"] = available - event["quantity"] if result == "Available" else available
    return answer
"""
source = (stack.LAMBDAS_DIR / "inventory_check" / "app.py").read_text()
if before not in source:
    raise RuntimeError("this answer edits check_stock's last line, which app.py no longer has")
edited = {"app.py": source.replace(before, after)}

lam = boto3.client("lambda")
name = s.names.inventory_check_function
package = packaging.function_zip("inventory_check", edited=edited)
lam.update_function_code(FunctionName=name, ZipFile=package, Architectures=[stack.ARCHITECTURE])
lam.get_waiter("function_updated_v2").wait(FunctionName=name)

answer = lam.invoke(FunctionName=name, Payload=json.dumps({"itemId": "Seatbelt", "quantity": 1}))
json.load(answer["Payload"])
