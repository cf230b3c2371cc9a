package org.accessdetector.responder;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

class SqlSessionTest {

    @Test
    void aScriptSplitsAtSemicolonsOutsideQuotesAndComments() {
        assertThat(SqlSession.statements("SELECT 'a;b' AS x; -- a comment; with a semicolon\nSELECT `c;d` FROM t;;  "))
                .containsExactly("SELECT 'a;b' AS x", "SELECT `c;d` FROM t");
    }

    @Test
    void parametersAreFilledAsStringContentsWithQuotesDoubled() {
        assertThat(SqlSession.substitute("WHERE partnerId = '${partner}' AND x = '${partner}'",
                Map.of("partner", "o'brien")))
                .isEqualTo("WHERE partnerId = 'o''brien' AND x = 'o''brien'");
    }

    @Test
    void aMissingParameterNamesTheFlagThatGivesIt() {
        assertThatThrownBy(() -> SqlSession.substitute("'${from}' '${to}' '${from}'", Map.of()))
                .hasMessage("the query needs --param from=..., --param to=...");
    }

    @Test
    void aFailureIsOneLineWithItsRootCause() {
        Exception e = new RuntimeException("query failed\n\tat somewhere",
                new IllegalStateException("the real reason\nmore detail"));
        assertThat(SqlSession.oneLine(e)).isEqualTo("query failed: the real reason");
        assertThat(SqlSession.oneLine(new RuntimeException("same", new RuntimeException("same"))))
                .isEqualTo("same");
    }
}
