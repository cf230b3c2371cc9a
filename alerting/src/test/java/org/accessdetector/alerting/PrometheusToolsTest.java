package org.accessdetector.alerting;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The configuration as the real promtool and amtool see it. */
class PrometheusToolsTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    static List<Path> ruleFiles() {
        return ConfigFiles.ruleFiles();
    }

    static List<Path> ruleTestFiles() {
        return ConfigFiles.ruleTestFiles();
    }

    @Test
    void prometheusConfigIsValidWithItsRuleFiles() throws Exception {
        Path config = ModulePaths.prometheusConfig();
        Tools.Result result = Tools.run(config.getParent(), TIMEOUT, Tools.promtool(), "check", "config", config.toString());
        assertThat(result.exitCode()).as(result.describe()).isZero();
        // check config also checks the rule files it loads: make sure the glob found them all.
        assertThat(result.stdout() + result.stderr()).as(result.describe())
                .contains(ruleFiles().stream().map(f -> f.getFileName().toString()).toArray(String[]::new));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("ruleFiles")
    void rulesFileIsValid(Path rules) throws Exception {
        Tools.Result result = Tools.run(rules.getParent(), TIMEOUT, Tools.promtool(), "check", "rules", rules.toString());
        assertThat(result.exitCode()).as(result.describe()).isZero();
        assertThat(result.stdout()).as(result.describe()).contains("SUCCESS");
    }

    /** promtool's unit tests of the rules (alerting/prometheus/tests/*.test.yml): each alert fires when it should. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("ruleTestFiles")
    void ruleUnitTestsPass(Path tests) throws Exception {
        Tools.Result result = Tools.run(tests.getParent(), TIMEOUT, Tools.promtool(), "test", "rules", tests.getFileName().toString());
        assertThat(result.exitCode()).as(result.describe()).isZero();
        assertThat(result.stdout() + result.stderr()).as(result.describe()).contains("SUCCESS").doesNotContain("FAILED");
    }

    @Test
    void thereAreRuleFilesAndRuleTests() {
        assertThat(ruleFiles()).extracting(p -> p.getFileName().toString())
                .contains("detector-recording.yml", "detector-health.yml");
        assertThat(ruleTestFiles()).isNotEmpty();
    }

    @Test
    void alertmanagerConfigIsValid() throws Exception {
        Path config = ModulePaths.alertmanagerConfig();
        Tools.Result result = Tools.run(config.getParent(), TIMEOUT, Tools.amtool(), "check-config", config.toString());
        assertThat(result.exitCode()).as(result.describe()).isZero();
        assertThat(result.stdout()).as(result.describe()).contains("SUCCESS");
    }
}
