package org.accessdetector.live;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.flink.util.InstantiationUtil;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

/** The backlog of a control topic ends exactly where the following source begins, whichever asks first. */
class ControlHandoffTest {

    private static final TopicPartition P0 = new TopicPartition("user-consents", 0);
    private static final TopicPartition P1 = new TopicPartition("user-consents", 1);
    private static final TopicPartition P2 = new TopicPartition("user-consents", 2);

    /** A topic whose partitions grow while the job starts, as a live topic does. */
    private static final class Topic implements OffsetsInitializer.PartitionOffsetsRetriever {
        final Map<TopicPartition, Long> end = new HashMap<>();
        final Map<TopicPartition, Long> beginning = new HashMap<>();

        void append(TopicPartition p, long records) {
            end.merge(p, records, Long::sum);
            beginning.putIfAbsent(p, 0L);
        }

        @Override
        public Map<TopicPartition, Long> committedOffsets(Collection<TopicPartition> partitions) {
            throw new UnsupportedOperationException();
        }

        @Override
        public Map<TopicPartition, Long> endOffsets(Collection<TopicPartition> partitions) {
            Map<TopicPartition, Long> out = new HashMap<>();
            partitions.forEach(p -> out.put(p, end.get(p)));
            return out;
        }

        @Override
        public Map<TopicPartition, Long> beginningOffsets(Collection<TopicPartition> partitions) {
            Map<TopicPartition, Long> out = new HashMap<>();
            partitions.forEach(p -> out.put(p, beginning.get(p)));
            return out;
        }

        @Override
        public Map<TopicPartition, OffsetAndTimestamp> offsetsForTimes(Map<TopicPartition, Long> timestamps) {
            throw new UnsupportedOperationException();
        }
    }

    /** As the job ships them: each source's initializer is serialized into its enumerator. */
    private static OffsetsInitializer shipped(OffsetsInitializer initializer) throws Exception {
        return InstantiationUtil.clone(initializer);
    }

    @Test
    void theFollowingSourceStartsWhereTheBacklogEndsWhenTheBacklogAsksFirst() throws Exception {
        ControlHandoff handoff = new ControlHandoff();
        Topic topic = new Topic();
        topic.append(P0, 500);
        topic.append(P1, 0); // empty: its backlog ends at once
        Map<TopicPartition, Long> backlogEnd = shipped(handoff.backlogEnd()).getPartitionOffsets(List.of(P0, P1), topic);
        topic.append(P0, 20); // appended between the two enumerators' first looks
        Map<TopicPartition, Long> afterStart = shipped(handoff.afterBacklog()).getPartitionOffsets(List.of(P0, P1), topic);
        assertThat(backlogEnd).isEqualTo(Map.of(P0, 500L, P1, 0L));
        assertThat(afterStart).as("no record read twice or missed").isEqualTo(backlogEnd);
    }

    @Test
    void theBacklogEndsWhereTheFollowingSourceStartsWhenThatAsksFirst() throws Exception {
        ControlHandoff handoff = new ControlHandoff();
        Topic topic = new Topic();
        topic.append(P0, 300);
        Map<TopicPartition, Long> afterStart = shipped(handoff.afterBacklog()).getPartitionOffsets(List.of(P0), topic);
        topic.append(P0, 7);
        Map<TopicPartition, Long> backlogEnd = shipped(handoff.backlogEnd()).getPartitionOffsets(List.of(P0), topic);
        assertThat(afterStart).isEqualTo(Map.of(P0, 300L));
        assertThat(backlogEnd).isEqualTo(afterStart);
    }

    @Test
    void aPartitionCreatedAfterTheStartIsReadWhollyByTheFollowingSource() throws Exception {
        ControlHandoff handoff = new ControlHandoff();
        Topic topic = new Topic();
        topic.append(P0, 10);
        OffsetsInitializer after = shipped(handoff.afterBacklog());
        shipped(handoff.backlogEnd()).getPartitionOffsets(List.of(P0), topic);
        after.getPartitionOffsets(List.of(P0), topic);
        topic.append(P2, 40); // a new partition, found by the following source's later discovery
        assertThat(after.getPartitionOffsets(List.of(P2), topic)).isEqualTo(Map.of(P2, 0L));
    }

    @Test
    void twoJobsDoNotShareTheirOffsets() throws Exception {
        Topic topic = new Topic();
        topic.append(P0, 10);
        Map<TopicPartition, Long> first = new ControlHandoff().backlogEnd().getPartitionOffsets(List.of(P0), topic);
        topic.append(P0, 90);
        Map<TopicPartition, Long> second = new ControlHandoff().backlogEnd().getPartitionOffsets(List.of(P0), topic);
        assertThat(first).isEqualTo(Map.of(P0, 10L));
        assertThat(second).isEqualTo(Map.of(P0, 100L));
    }
}
