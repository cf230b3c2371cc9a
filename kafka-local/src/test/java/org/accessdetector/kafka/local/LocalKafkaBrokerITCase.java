package org.accessdetector.kafka.local;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.Socket;
import java.nio.file.Files;
import org.junit.jupiter.api.Test;

/** A real broker process: starts, serves a client, stops without leaving a process or an open port. */
class LocalKafkaBrokerITCase {

    @Test
    void startsServesAndStopsCleanly() throws Exception {
        LocalKafkaBroker broker = LocalKafkaBroker.builder().build().start();
        long pid = broker.pid().orElseThrow();
        int port = broker.port();
        try {
            assertThat(ProcessHandle.of(pid)).isPresent();
            assertThat(Files.readString(broker.logFile())).contains(LocalKafkaBroker.READY_LINE);
            try (Socket s = new Socket("127.0.0.1", port)) {
                assertThat(s.isConnected()).isTrue();
            }
        } finally {
            broker.close();
        }
        assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)).isFalse();
        assertThat(LocalKafkaBroker.accepts(port)).isFalse();
        assertThat(broker.pidFile()).doesNotExist();
    }

    @Test
    void aStaleBrokerOnTheSameDataFolderIsStoppedFirst() throws Exception {
        LocalKafkaBroker first = LocalKafkaBroker.builder().build().start();
        long stalePid = first.pid().orElseThrow();
        // A second broker on the same folder (e.g. after the first launcher was killed) takes over.
        try (LocalKafkaBroker second = LocalKafkaBroker.builder().dataDir(first.dataDir()).build().start()) {
            assertThat(ProcessHandle.of(stalePid).map(ProcessHandle::isAlive).orElse(false)).isFalse();
            assertThat(second.pid()).isPresent();
        } finally {
            first.close();
        }
    }
}
