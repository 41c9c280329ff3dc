package ai.cocos.attestation;

import ai.cocos.api.CocosException;
import java.util.List;

/**
 * A policy document was refused. Lists every problem found, each with its JSON path; the message is
 * the single problem, or a count followed by one problem per line.
 */
public final class PolicyException extends CocosException {
  private static final long serialVersionUID = 1L;

  /** The problems, in the order found. */
  private final List<PolicyProblem> problems;

  /**
   * Creates the error.
   *
   * @param problems at least one problem
   */
  public PolicyException(List<PolicyProblem> problems) {
    super(message(problems));
    this.problems = List.copyOf(problems);
  }

  /**
   * The problems.
   *
   * @return at least one problem, in the order found
   */
  public List<PolicyProblem> problems() {
    return problems;
  }

  private static String message(List<PolicyProblem> problems) {
    if (problems.isEmpty()) {
      throw new IllegalArgumentException("a PolicyException needs at least one problem");
    }
    if (problems.size() == 1) {
      return "policy refused: " + problems.get(0).text();
    }
    StringBuilder b = new StringBuilder("policy refused, " + problems.size() + " problems:");
    for (PolicyProblem p : problems) {
      b.append("\n  ").append(p.text());
    }
    return b.toString();
  }
}
