package ai.cocos.attestation;

import java.io.Serializable;
import java.util.Objects;

/**
 * One thing wrong with a policy document.
 *
 * @param path where: a JSON path such as {@code snp.measurements[1]}, or empty for the document as
 *     a whole
 * @param detail what, phrased to follow the path, e.g. {@code expected 96 hex digits (48 bytes),
 *     found 94 hex digits (47 bytes)}
 */
public record PolicyProblem(String path, String detail) implements Serializable {
  private static final long serialVersionUID = 1L;

  /** Checks the values. */
  public PolicyProblem {
    Objects.requireNonNull(path, "path");
    Objects.requireNonNull(detail, "detail");
  }

  /**
   * The problem as one line.
   *
   * @return {@code path: detail}, or the detail alone when the path is empty
   */
  public String text() {
    return path.isEmpty() ? detail : path + ": " + detail;
  }

  @Override
  public String toString() {
    return text();
  }
}
