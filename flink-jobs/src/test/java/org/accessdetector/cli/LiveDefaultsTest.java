package org.accessdetector.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.CoreOptions;
import org.apache.flink.configuration.ExecutionOptions;
import org.apache.flink.configuration.ExternalizedCheckpointRetention;
import org.accessdetector.live.LiveJob;
import org.accessdetector.live.LiveOptions;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.junit.jupiter.api.Test;

class LiveDefaultsTest {

    @Test
    void aLocalRunCheckpointsToFilesNotToTheJobManagersMemoryWhichRefusesStateAboveFiveMebibytes() {
        Configuration conf = RunCommand.withLocalCheckpoints(new Configuration(), Path.of("data", "checkpoints"));

        assertThat(conf.get(CheckpointingOptions.CHECKPOINTS_DIRECTORY))
                .isEqualTo(Path.of("data", "checkpoints").toAbsolutePath().toUri().toString());
    }

    @Test
    void anExplicitCheckpointStorageOrDirectoryIsKept() {
        Configuration storage = new Configuration();
        storage.set(CheckpointingOptions.CHECKPOINT_STORAGE, "jobmanager");
        Configuration directory = new Configuration();
        directory.set(CheckpointingOptions.CHECKPOINTS_DIRECTORY, "s3://bucket/checkpoints");

        assertThat(RunCommand.withLocalCheckpoints(storage, Path.of("x")).contains(
                CheckpointingOptions.CHECKPOINTS_DIRECTORY)).isFalse();
        assertThat(RunCommand.withLocalCheckpoints(directory, Path.of("x")).get(
                CheckpointingOptions.CHECKPOINTS_DIRECTORY)).isEqualTo("s3://bucket/checkpoints");
    }

    @Test
    void liveDefaultsTurnCheckpointingOnWithASmallButNonZeroBufferTimeoutUnlessSet() {
        Configuration defaults = RunCommand.withLiveDefaults(new Configuration());
        Configuration explicit = new Configuration();
        explicit.set(ExecutionOptions.BUFFER_TIMEOUT, Duration.ofMillis(100));

        assertThat(defaults.get(CheckpointingOptions.CHECKPOINTING_INTERVAL)).isPositive();
        assertThat(defaults.get(ExecutionOptions.BUFFER_TIMEOUT)).isPositive().isLessThanOrEqualTo(Duration.ofMillis(10));
        assertThat(RunCommand.withLiveDefaults(explicit).get(ExecutionOptions.BUFFER_TIMEOUT))
                .isEqualTo(Duration.ofMillis(100));
    }

    @Test
    void aLocalRunTakesHalfTheCoresAsItsParallelismUnlessOneIsSetAndAClusterJobNone() {
        assertThat(RunCommand.localParallelism(1)).isEqualTo(1);
        assertThat(RunCommand.localParallelism(2)).isEqualTo(1);
        assertThat(RunCommand.localParallelism(8)).isEqualTo(4);
        assertThat(RunCommand.withLocalParallelism(new Configuration()).get(CoreOptions.DEFAULT_PARALLELISM))
                .isEqualTo(RunCommand.localParallelism(Runtime.getRuntime().availableProcessors()));
        Configuration explicit = new Configuration();
        explicit.set(CoreOptions.DEFAULT_PARALLELISM, 3);
        assertThat(RunCommand.withLocalParallelism(explicit).get(CoreOptions.DEFAULT_PARALLELISM)).isEqualTo(3);
        // The live defaults are also a cluster job's (ClusterJob runs `run`): there the cluster's parallelism applies.
        assertThat(RunCommand.withLiveDefaults(new Configuration()).contains(CoreOptions.DEFAULT_PARALLELISM)).isFalse();
    }

    @Test
    void exactlyOnceSinksAreTheDefaultAndAJobWithoutCheckpointsIsRefusedRatherThanNeverCommitting() {
        Configuration none = new Configuration();
        Configuration atLeastOnce = new Configuration();
        atLeastOnce.set(LiveOptions.DELIVERY_GUARANTEE, DeliveryGuarantee.AT_LEAST_ONCE);

        assertThat(none.get(LiveOptions.DELIVERY_GUARANTEE)).isEqualTo(DeliveryGuarantee.EXACTLY_ONCE);
        assertThatThrownBy(() -> new LiveJob(none).build(StreamExecutionEnvironment.getExecutionEnvironment(none)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("need checkpointing");
        new LiveJob(atLeastOnce).build(StreamExecutionEnvironment.getExecutionEnvironment(atLeastOnce));
        Configuration live = RunCommand.withLiveDefaults(new Configuration());
        new LiveJob(live).build(StreamExecutionEnvironment.getExecutionEnvironment(live));
    }

    @Test
    void aLocalRunKeepsAFewCompletedCheckpointsWhenItIsCancelledOrFailsUnlessSetExplicitly() {
        Configuration defaults = RunCommand.withRetainedCheckpoints(new Configuration());
        Configuration explicit = new Configuration();
        explicit.set(CheckpointingOptions.EXTERNALIZED_CHECKPOINT_RETENTION,
                ExternalizedCheckpointRetention.DELETE_ON_CANCELLATION);
        explicit.set(CheckpointingOptions.MAX_RETAINED_CHECKPOINTS, 1);

        assertThat(defaults.get(CheckpointingOptions.EXTERNALIZED_CHECKPOINT_RETENTION))
                .isEqualTo(ExternalizedCheckpointRetention.RETAIN_ON_CANCELLATION);
        assertThat(defaults.get(CheckpointingOptions.MAX_RETAINED_CHECKPOINTS)).isGreaterThan(1);
        RunCommand.withRetainedCheckpoints(explicit);
        assertThat(explicit.get(CheckpointingOptions.EXTERNALIZED_CHECKPOINT_RETENTION))
                .isEqualTo(ExternalizedCheckpointRetention.DELETE_ON_CANCELLATION);
        assertThat(explicit.get(CheckpointingOptions.MAX_RETAINED_CHECKPOINTS)).isEqualTo(1);
    }

    @Test
    void eachJobNameHasACheckpointDirectoryOfItsOwn() {
        assertThat(RunCommand.localCheckpoints("access-detector"))
                .isEqualTo(Path.of(".local", "checkpoints", "access-detector"));
        assertThat(RunCommand.localCheckpoints("detector_2.eu-west"))
                .isEqualTo(Path.of(".local", "checkpoints", "detector_2.eu-west"));
    }

    @Test
    void aJobNameThatIsNotASinglePlainDirectoryNameIsRefused() {
        for (String name : List.of("", ".", "..", "../elsewhere", "a/b", "a\\b", "/tmp/x", ".hidden", "-flag",
                "with space", "x".repeat(101))) {
            assertThatThrownBy(() -> RunCommand.localCheckpoints(name)).as(name)
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("--job-name");
        }
    }

    @Test
    void anExplicitMetricsPortIsKept() {
        Configuration explicit = new Configuration();
        explicit.setString("metrics.reporter.prom.port", "9300-9310");

        assertThat(RunCommand.withLiveDefaults(explicit).getString("metrics.reporter.prom.port", null))
                .isEqualTo("9300-9310");
        assertThat(RunCommand.withLiveDefaults(new Configuration()).getString("metrics.reporter.prom.port", null))
                .isEqualTo("9249");
    }
}
