package org.accessdetector.agreements;

import java.util.List;

/**
 * An agreements file that cannot be used. Every problem found is listed, each one naming where it is
 * (file, line, partner, version, grant, field) and what is wrong, so that one run tells the editor
 * everything to fix.
 */
public class AgreementsFileException extends Exception {
    private static final long serialVersionUID = 1L;

    private final String sourceName;
    private final List<String> problems;

    public AgreementsFileException(String sourceName, List<String> problems) {
        super(message(sourceName, problems));
        this.sourceName = sourceName;
        this.problems = List.copyOf(problems);
    }

    public AgreementsFileException(String sourceName, String problem, Throwable cause) {
        super(message(sourceName, List.of(problem)), cause);
        this.sourceName = sourceName;
        this.problems = List.of(problem);
    }

    /** The file (or other source) the problems are in. */
    public String sourceName() {
        return sourceName;
    }

    /** Each problem as one sentence, in file order, without the source name. */
    public List<String> problems() {
        return problems;
    }

    private static String message(String sourceName, List<String> problems) {
        if (problems.size() == 1) {
            return sourceName + ": " + problems.get(0);
        }
        StringBuilder sb = new StringBuilder(sourceName).append(": ").append(problems.size()).append(" problems:");
        for (String p : problems) {
            sb.append(System.lineSeparator()).append("  - ").append(p);
        }
        return sb.toString();
    }
}
