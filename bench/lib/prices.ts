/**
 * AWS list prices used by the cost tables: US East (N. Virginia), on demand, read on 2026-11-22 from
 * the stored pages named beside each. Update the date and figures together.
 */
export const PRICES_READ_ON = '2026-11-22';

export const PRICES = {
  /** SQS standard queue, $ per million requests (each 64 KB chunk of a request is one request), after 1 M free a month. aws.amazon.com/sqs/pricing, cloudburn.io (Mar 2026), factualminds.com (Jun 2026). */
  sqsPerMillionRequests: 0.4,
  /** DynamoDB on demand, $ per million write request units (1 KB each), since the Nov 2024 cut. aws.amazon.com/dynamodb/pricing/on-demand, airbyte.com (Jul 2025). */
  dynamoDbPerMillionWriteUnits: 0.625,
  /** DynamoDB on demand, $ per million read request units (4 KB strongly consistent). Same sources. */
  dynamoDbPerMillionReadUnits: 0.125,
  /** Lambda, $ per million requests. aws.amazon.com/lambda/pricing. */
  lambdaPerMillionRequests: 0.2,
  /** Lambda on Arm, $ per GB-second (first 7.5 billion GB-s a month). aws.amazon.com/lambda/pricing, cloudchipr.com. */
  lambdaArmPerGbSecond: 0.0000133334,
  /** EC2 t4g.small (2 vCPU, 2 GiB, Arm), Linux, $ per hour. Several price tables (holori, instance lists). */
  ec2T4gSmallPerHour: 0.0168,
  /** ElastiCache cache.t3.micro (0.5 GiB), $ per hour. dragonflydb.io/finops/elasticache/cache.t3.micro. */
  elastiCacheT3MicroPerHour: 0.017,
} as const;

/** Hours in a billing month as AWS counts them. */
export const HOURS_A_MONTH = 730;
