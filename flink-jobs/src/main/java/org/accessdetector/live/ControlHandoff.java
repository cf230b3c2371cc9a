package org.accessdetector.live;

import java.io.Serializable;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.kafka.clients.consumer.OffsetResetStrategy;
import org.apache.kafka.common.TopicPartition;

/**
 * Where a control topic's backlog ends: the end offset of each of its partitions when the job started, so
 * that one source reads the backlog up to there and stops (while it runs, calls wait: see
 * {@link ControlWatermarks}), and another reads on from exactly there, with no record read twice or missed.
 *
 * <p>The two sources' enumerators each ask for their offsets when they first discover the topic's partitions;
 * whichever asks first takes the end offsets from the broker, and the other is given the same. Both
 * enumerators of a job run in its JobManager, so the offsets are kept in that JVM, under an id made when the job
 * is built. A job restored from a checkpoint resumes both sources from their checkpointed splits and does not
 * ask again. A partition created after the start is read from its beginning by the second source.
 */
public final class ControlHandoff implements Serializable {
    private static final long serialVersionUID = 1L;

    /** By handoff id: each partition's end offset at the start. A few bytes per partition and job. */
    private static final Map<String, Map<TopicPartition, Long>> END_AT_START = new ConcurrentHashMap<>();

    private final String id;

    public ControlHandoff() {
        this(UUID.randomUUID().toString());
    }

    ControlHandoff(String id) {
        this.id = id;
    }

    /** The backlog source's stopping offsets: the end of each partition at the start. */
    public OffsetsInitializer backlogEnd() {
        return new Side(id, true);
    }

    /** The following source's starting offsets: where the backlog ends; a partition created later, its start. */
    public OffsetsInitializer afterBacklog() {
        return new Side(id, false);
    }

    private static final class Side implements OffsetsInitializer {
        private static final long serialVersionUID = 1L;

        private final String id;
        private final boolean backlog;

        Side(String id, boolean backlog) {
            this.id = id;
            this.backlog = backlog;
        }

        @Override
        public Map<TopicPartition, Long> getPartitionOffsets(Collection<TopicPartition> partitions,
                PartitionOffsetsRetriever retriever) {
            synchronized (END_AT_START) {
                boolean first = !END_AT_START.containsKey(id);
                Map<TopicPartition, Long> ends = END_AT_START.computeIfAbsent(id, k -> new ConcurrentHashMap<>());
                List<TopicPartition> unknown = partitions.stream().filter(p -> !ends.containsKey(p)).toList();
                if (!unknown.isEmpty()) {
                    // At the start (or for the backlog, which only ever discovers partitions at its start): their
                    // end now. For the following source later on, a new partition: all of it is after the start.
                    ends.putAll(first || backlog ? retriever.endOffsets(unknown) : retriever.beginningOffsets(unknown));
                }
                Map<TopicPartition, Long> out = new HashMap<>();
                for (TopicPartition p : partitions) {
                    out.put(p, ends.get(p));
                }
                return out;
            }
        }

        @Override
        public OffsetResetStrategy getAutoOffsetResetStrategy() {
            // An offset compaction or retention removed reads on from the earliest one left.
            return OffsetResetStrategy.EARLIEST;
        }
    }
}
