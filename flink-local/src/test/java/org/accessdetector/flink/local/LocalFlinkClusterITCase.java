package org.accessdetector.flink.local;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.accessdetector.testing.Await;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The cluster as separate processes: it starts, listens on loopback only, and survives a TaskManager's kill. */
class LocalFlinkClusterITCase {

    @TempDir
    Path dir;

    @Test
    void startsAJobManagerAndTwoTaskManagersAsProcessesAndReplacesAKilledOne() throws Exception {
        try (LocalFlinkCluster cluster = LocalFlinkCluster.builder().dir(dir).taskManagers(2).build().start()) {
            assertThat(cluster.rest().overview().path("taskmanagers").asInt()).isEqualTo(2);
            assertThat(cluster.rest().overview().path("slots-total").asInt()).isEqualTo(2);
            assertThat(cluster.taskManagers()).hasSize(2);
            long self = ProcessHandle.current().pid();
            assertThat(cluster.taskManagers().values()).doesNotContain(self)
                    .doesNotContain(cluster.jobManagerPid().orElseThrow());
            assertThat(Files.readString(cluster.log("jobmanager"))).contains("Rest endpoint listening at 127.0.0.1");

            String killed = cluster.taskManagers().keySet().iterator().next();
            long pid = cluster.taskManagers().get(killed);
            cluster.killTaskManager(killed);
            assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)).isFalse();
            // The JobManager notices the loss (its heartbeat RPCs fail) and forgets the TaskManager.
            cluster.awaitTaskManagers(1);
            cluster.startTaskManager();
            cluster.awaitTaskManagers(2);
            Await.until("the replacement's slot free", Duration.ofMinutes(1),
                    () -> cluster.rest().overview().path("slots-available").asInt() == 2);
        }
    }
}
