package org.accessdetector.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class DetectorCliTest {

    @TempDir
    Path dir;

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int run(String... args) {
        CommandLine cli = DetectorCli.commandLine();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        return cli.execute(args);
    }

    @Test
    void helpListsTheSubcommands() {
        assertThat(run("--help")).isZero();
        assertThat(out.toString()).contains("replay");
    }

    @Test
    void replayHelpDescribesItsFlags() {
        assertThat(run("replay", "--help")).isZero();
        assertThat(out.toString()).contains("--agreements", "--consents", "--calls", "--out");
    }

    @Test
    void unknownFlagIsAOneLineErrorWithStatusTwo() {
        assertThat(run("replay", "--agreements", "a", "--calls", "c", "--out", "o", "--bogus")).isEqualTo(2);
        assertThat(err.toString().strip()).doesNotContain("\n").contains("--bogus");
    }

    @Test
    void aBenchmarkTooShortToMeasureIsAOneLineErrorWithStatusTwoBeforeStartingAnything() {
        assertThat(run("benchmark", "--duration", "5s", "--data-dir", dir.toString())).isEqualTo(2);
        assertThat(err.toString().strip()).doesNotContain("\n").contains("--duration at least 10s");
        assertThat(dir.resolve("kafka")).doesNotExist();
    }

    @Test
    void aJobNameThatCannotNameItsCheckpointDirectoryIsAOneLineErrorWithStatusTwoBeforeStartingAnything() {
        assertThat(run("run", "--job-name", "../../elsewhere")).isEqualTo(DetectorCli.USAGE_ERROR);
        assertThat(err.toString().strip()).doesNotContain("\n").contains("--job-name", "../../elsewhere");
        assertThat(out.toString()).isEmpty();
    }

    @Test
    void missingRequiredFlagIsAOneLineErrorWithStatusTwo() {
        assertThat(run("replay", "--calls", "c", "--out", "o")).isEqualTo(2);
        assertThat(err.toString().strip()).doesNotContain("\n").contains("--agreements");
    }

    @Test
    void missingInputFileIsAOneLineErrorWithStatusTwo() throws Exception {
        Path agreements = Files.writeString(dir.resolve("agreements.jsonl"), "");
        assertThat(run("replay", "--agreements", agreements.toString(), "--calls", dir.resolve("nope.jsonl").toString(),
                "--out", dir.resolve("out").toString())).isEqualTo(2);
        assertThat(err.toString().strip()).isEqualTo("error: input file not found: " + dir.resolve("nope.jsonl"));
    }

    @Test
    void badDetectorSettingIsAOneLineErrorWithStatusTwo() throws Exception {
        Path f = Files.writeString(dir.resolve("f.jsonl"), "");
        assertThat(run("replay", "--agreements", f.toString(), "--calls", f.toString(), "--out", dir.toString(),
                "-c", "detector.severity.overrides=RATE_LIMIT:URGENT")).isEqualTo(2);
        assertThat(err.toString().strip()).doesNotContain("\n").contains("URGENT");
    }
}
