package org.accessdetector.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import org.accessdetector.responder.SqlSession;
import org.jline.reader.EndOfFileException;
import org.jline.reader.LineReader;
import org.jline.reader.LineReaderBuilder;
import org.jline.reader.UserInterruptException;
import org.jline.terminal.Terminal;
import org.jline.terminal.TerminalBuilder;

/**
 * The interactive prompt of {@code detector sql} on a terminal (JLine: history, editing, Ctrl-C drops the statement
 * being typed). A class of its own, loaded only when the prompt runs: JLine is the launcher's, not on a Flink
 * classpath, and the command line must load there (JobJarOnAFlinkClasspathITCase).
 */
final class SqlPrompt {

    private SqlPrompt() {}

    static int run(SqlSession session, PrintWriter err, Map<String, String> params) throws IOException {
        try (Terminal terminal = TerminalBuilder.builder().system(true).build()) {
            LineReader reader = LineReaderBuilder.builder().terminal(terminal)
                    .variable(LineReader.HISTORY_FILE, Path.of(System.getProperty("user.home"), ".detector_sql_history"))
                    .build();
            err.println("Flink SQL over the retained topics. Tables: calls, violations, alerts, agreements, consents, "
                    + "dead_letters; views: violations_current, alerts_current. End statements with ';', quit with "
                    + "'quit;' or Ctrl-D.");
            err.flush();
            StringBuilder statement = new StringBuilder();
            while (true) {
                String line;
                try {
                    line = reader.readLine(statement.isEmpty() ? "detector> " : "       -> ");
                } catch (UserInterruptException e) {
                    statement.setLength(0); // Ctrl-C drops the statement being typed
                    continue;
                } catch (EndOfFileException e) {
                    return 0;
                }
                statement.append(line).append('\n');
                if (!line.strip().endsWith(";")) {
                    continue;
                }
                String text = statement.toString().strip();
                statement.setLength(0);
                String bare = text.substring(0, text.length() - 1).strip().toLowerCase(Locale.ROOT);
                if (bare.equals("quit") || bare.equals("exit")) {
                    return 0;
                }
                try {
                    session.run(SqlSession.substitute(text, params));
                } catch (IllegalArgumentException e) {
                    err.println("error: " + e.getMessage());
                    err.flush();
                }
            }
        }
    }
}
