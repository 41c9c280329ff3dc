package ai.cocos.manifest;

import java.io.Serializable;
import java.util.Objects;

/**
 * One thing wrong with a manifest.
 *
 * @param path where: a JSON path such as {@code datasets[1].hash}, or empty for the manifest as a
 *     whole
 * @param detail what, phrased to follow the path, e.g. {@code expected 64 lower-case hex digits
 *     (SHA3-256), found 63 characters}
 */
public record ManifestProblem(String path, String detail) implements Serializable {
  private static final long serialVersionUID = 1L;

  /** Checks the values. */
  public ManifestProblem {
    Objects.requireNonNull(path, "path");
    Objects.requireNonNull(detail, "detail");
  }

  /**
   * The problem as one line.
   *
   * @return {@code path: detail}, or just the detail when the path is empty
   */
  public String text() {
    return path.isEmpty() ? detail : path + ": " + detail;
  }

  /**
   * Same as {@link #text()}.
   *
   * @return the problem as one line
   */
  @Override
  public String toString() {
    return text();
  }
}
