# 07-1: an alarm on the share of the API's requests answered 4XX, telling on-call.
import boto3

from workbook import names

cloudwatch, sns = boto3.client("cloudwatch"), boto3.client("sns")
# The ops topic of part 5 (creating a topic that exists returns it).
ops_topic = sns.create_topic(Name=f"{s.prefix}-ops-alarms")["TopicArn"]
api = [{"Name": "ApiName", "Value": s.names.api}, {"Name": "Stage", "Value": names.STAGE}]
cloudwatch.put_metric_alarm(
    AlarmName=f"{s.names.api}-4xx-rate",
    AlarmDescription="More than a quarter of the requests answered 4XX, in 2 of 3 minutes",
    Namespace="AWS/ApiGateway",
    MetricName="4XXError",
    Dimensions=api,
    Statistic="Average",  # each request counts 0 or 1: the average is the share answered 4XX
    Period=60,
    EvaluationPeriods=3,
    DatapointsToAlarm=2,
    Threshold=0.25,
    ComparisonOperator="GreaterThanThreshold",
    TreatMissingData="notBreaching",  # no requests, no problem
    AlarmActions=[ops_topic],
)
alarm = cloudwatch.describe_alarms(AlarmNames=[f"{s.names.api}-4xx-rate"])["MetricAlarms"][0]
print(alarm["AlarmName"], alarm["Statistic"], alarm["MetricName"], alarm["AlarmActions"])
