package ai.cocos.manifest;

import ai.cocos.api.CocosException;
import java.util.List;
import java.util.Objects;

/**
 * A manifest was refused. It lists every problem found ({@link #problems()}), each with its JSON
 * path; the message is the single problem's text, or a count followed by one problem per line.
 * Messages never contain key material.
 */
public final class ManifestException extends CocosException {
  private static final long serialVersionUID = 1L;

  /** How many problems the message lists; {@link #problems()} holds them all. */
  public static final int MAX_LISTED = 50;

  /** The problems, in the order found. */
  private final List<ManifestProblem> problems;

  /**
   * Creates the error from the problems found.
   *
   * @param problems at least one problem
   */
  public ManifestException(List<ManifestProblem> problems) {
    super(message(problems));
    this.problems = List.copyOf(problems);
  }

  /**
   * Creates the error for a problem with the manifest as a whole.
   *
   * @param message what is wrong
   */
  public ManifestException(String message) {
    this(List.of(new ManifestProblem("", message)));
  }

  /**
   * The problems, in the order found.
   *
   * @return at least one problem
   */
  public List<ManifestProblem> problems() {
    return problems;
  }

  private static String message(List<ManifestProblem> problems) {
    Objects.requireNonNull(problems, "problems");
    if (problems.isEmpty()) {
      throw new IllegalArgumentException("a ManifestException needs at least one problem");
    }
    if (problems.size() == 1) {
      return problems.get(0).text();
    }
    StringBuilder b = new StringBuilder(problems.size() + " problems in the manifest:");
    for (int i = 0; i < problems.size() && i < MAX_LISTED; i++) {
      b.append("\n  ").append(problems.get(i).text());
    }
    if (problems.size() > MAX_LISTED) {
      b.append("\n  ... and ").append(problems.size() - MAX_LISTED).append(" more");
    }
    return b.toString();
  }
}
