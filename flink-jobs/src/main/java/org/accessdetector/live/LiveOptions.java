package org.accessdetector.live;

import java.time.Duration;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ConfigOptions;
import org.apache.flink.connector.base.DeliveryGuarantee;

/** Settings of the live Kafka job. Flink's own options (checkpointing, state backend) apply as usual. */
public final class LiveOptions {

    public static final ConfigOption<String> BOOTSTRAP_SERVERS = ConfigOptions.key("kafka.bootstrap-servers")
            .stringType()
            .defaultValue("localhost:9092")
            .withDescription("Kafka brokers to read from and write to.");

    public static final ConfigOption<String> GROUP_ID = ConfigOptions.key("kafka.group-id")
            .stringType()
            .defaultValue("access-detector")
            .withDescription("Consumer group of the detector (offsets are also kept in Flink checkpoints).");

    public static final ConfigOption<Duration> MAX_OUT_OF_ORDERNESS =
            ConfigOptions.key("detector.watermark.max-out-of-orderness")
                    .durationType()
                    .defaultValue(Duration.ofMillis(50))
                    .withDescription("How far out of order calls may arrive and still be judged with every control "
                            + "record before them. Calls are judged this long after the newest call seen, so it is "
                            + "also the floor of detection latency.");

    public static final ConfigOption<Duration> MAX_DELAY = ConfigOptions.key("detector.watermark.max-delay")
            .durationType()
            .defaultValue(Duration.ofSeconds(2))
            .withDescription("The last calls before a quiet spell are judged within about this long: a calls "
                    + "partition that yields nothing for this long is caught up, and its event time moves on with "
                    + "the wall clock from its newest call. While a backlog is read, event time follows the calls "
                    + "alone.");

    public static final ConfigOption<Duration> MAX_FUTURE_SKEW = ConfigOptions.key("detector.calls.max-future-skew")
            .durationType()
            .defaultValue(Duration.ofMinutes(5))
            .withDescription("A call stamped further than this past the wall clock is still judged and counted "
                    + "as skewed, but does not move event time forward for every other call.");

    public static final ConfigOption<DeliveryGuarantee> DELIVERY_GUARANTEE =
            ConfigOptions.key("detector.sink.delivery-guarantee")
                    .enumType(DeliveryGuarantee.class)
                    .defaultValue(DeliveryGuarantee.EXACTLY_ONCE)
                    .withDescription("exactly-once (default: Kafka transactions committed on every checkpoint, so "
                            + "output becomes visible to read_committed readers at checkpoints, and a crash leaves "
                            + "nothing the restored job does not write again) or at-least-once (output visible at "
                            + "once; after a crash, records written since the last checkpoint that the restored job "
                            + "decides differently are left standing).");

    public static final ConfigOption<Duration> TRANSACTION_TIMEOUT =
            ConfigOptions.key("detector.sink.transaction-timeout")
                    .durationType()
                    .defaultValue(Duration.ofMinutes(10))
                    .withDescription("transaction.timeout.ms for exactly-once; must not exceed the broker's "
                            + "transaction.max.timeout.ms (15 minutes by default).");

    private LiveOptions() {}
}
