package org.accessdetector.detection;

import static org.accessdetector.testing.Instants.BEFORE_REVOCATION;
import static org.accessdetector.testing.TestData.call;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.accessdetector.config.DetectorConfig;
import org.accessdetector.config.DetectorOptions;
import org.accessdetector.schema.PartnerApiCall;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.util.KeyedOneInputStreamOperatorTestHarness;
import org.apache.flink.streaming.util.ProcessFunctionTestHarnesses;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class CallDeduplicatorTest {

    private static final Duration HORIZON = Duration.ofHours(1);

    private KeyedOneInputStreamOperatorTestHarness<String, PartnerApiCall, PartnerApiCall> harness;

    @BeforeEach
    void setUp() throws Exception {
        Configuration conf = new Configuration();
        conf.set(DetectorOptions.REDELIVERY_HORIZON, HORIZON);
        harness = ProcessFunctionTestHarnesses.forKeyedProcessFunction(
                new CallDeduplicator(DetectorConfig.from(conf)), PartnerApiCall::getCallId, Types.STRING);
    }

    @AfterEach
    void tearDown() throws Exception {
        harness.close();
    }

    @Test
    void redeliveredCallCountsOnce() throws Exception {
        PartnerApiCall c = call("c1").build();
        harness.processElement(c, c.getEventTime());
        harness.processElement(c, c.getEventTime());
        harness.processElement(call("c2").build(), BEFORE_REVOCATION);

        assertThat(harness.extractOutputValues()).extracting(PartnerApiCall::getCallId).containsExactly("c1", "c2");
    }

    @Test
    void callIdIsForgottenAfterTheRedeliveryHorizon() throws Exception {
        PartnerApiCall c = call("c1").build();
        harness.processElement(c, c.getEventTime());
        harness.processWatermark(new Watermark(BEFORE_REVOCATION + HORIZON.toMillis() - 1));
        assertThat(harness.numKeyedStateEntries()).isEqualTo(1);

        harness.processWatermark(new Watermark(BEFORE_REVOCATION + HORIZON.toMillis()));

        assertThat(harness.numKeyedStateEntries()).isZero();
        assertThat(harness.numEventTimeTimers()).isZero();
    }
}
