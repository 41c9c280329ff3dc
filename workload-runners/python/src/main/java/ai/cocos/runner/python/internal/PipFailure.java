package ai.cocos.runner.python.internal;

import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Turns the output of a failed {@code pip install} into a reason a user can act on, naming the
 * requirement that could not be resolved and where the agent looked for it.
 *
 * <p>pip (20 to 24) reports an unresolvable requirement, whether listed in the file or needed by
 * another package, as {@code ERROR: No matching distribution found for NAME}, preceded by {@code
 * ERROR: Could not find a version that satisfies the requirement NAME (from versions: ...)}.
 */
final class PipFailure {
  private static final Pattern NO_MATCH =
      Pattern.compile("No matching distribution found for (\\S+)");
  private static final Pattern NO_VERSION =
      Pattern.compile(
          "Could not find a version that satisfies the requirement (\\S+)"
              + "(?: \\(from versions: ([^)]*)\\))?");
  private static final Pattern HASHES =
      Pattern.compile("DO NOT MATCH THE HASHES|Hashes are required");
  private static final String ERROR = "ERROR: ";

  private PipFailure() {}

  /**
   * Explains a failed installation.
   *
   * @param output pip's output lines (stdout and stderr, in order)
   * @param settings where requirements may come from
   * @param status pip's exit status
   * @return for example "requirement 'numpy==9.9' cannot be resolved: it is not in the wheelhouse
   *     /srv/wheels (AGENT_PYTHON_WHEELHOUSE)"
   */
  static String reason(List<String> output, PythonSettings settings, int status) {
    String missing = null;
    String versions = null;
    for (String line : output) {
      Matcher m = NO_MATCH.matcher(line);
      if (m.find()) {
        missing = m.group(1);
        break;
      }
      Matcher v = NO_VERSION.matcher(line);
      if (v.find() && missing == null) {
        missing = v.group(1);
        versions = v.group(2);
      }
    }
    if (missing != null) {
      return "requirement '"
          + missing
          + "' cannot be resolved: "
          + where(settings)
          + (versions == null || versions.isBlank() || versions.equals("none")
              ? ""
              : " (versions found: " + versions + ")");
    }
    for (String line : output) {
      if (HASHES.matcher(line).find()) {
        return "requirements could not be installed: "
            + strip(line)
            + (line.contains("DO NOT MATCH")
                ? " (a package's SHA-256 differs from its --hash pin)"
                : "");
      }
    }
    for (String line : output) {
      if (line.startsWith(ERROR)) {
        return "requirements could not be installed: " + strip(line);
      }
    }
    return "requirements could not be installed: pip exited with status " + status;
  }

  /** Where pip looked, in words that tell the operator which setting to change. */
  static String where(PythonSettings settings) {
    if (settings.indexUrl().isEmpty() && settings.wheelhouse().isEmpty()) {
      return "no package source is configured on this agent"
          + (settings.systemSitePackages() ? " and the interpreter's own packages lack it" : "")
          + " (set AGENT_PYTHON_WHEELHOUSE to a folder of wheels or AGENT_PYTHON_INDEX_URL to a"
          + " package index"
          + (settings.systemSitePackages() ? "" : ", or AGENT_PYTHON_SYSTEM_PACKAGES=true")
          + ")";
    }
    StringBuilder sb = new StringBuilder("no matching ");
    sb.append(settings.onlyBinary() ? "wheel" : "distribution").append(" in ");
    settings
        .wheelhouse()
        .ifPresent(
            w -> sb.append("the wheelhouse ").append(w).append(" (AGENT_PYTHON_WHEELHOUSE)"));
    if (settings.indexUrl().isPresent()) {
      if (settings.wheelhouse().isPresent()) {
        sb.append(" or ");
      }
      sb.append("the package index ")
          .append(settings.redactedIndexUrl().orElseThrow())
          .append(" (AGENT_PYTHON_INDEX_URL)");
    }
    if (settings.systemSitePackages()) {
      sb.append(" or the interpreter's own packages");
    }
    return sb.toString();
  }

  private static String strip(String line) {
    return line.startsWith(ERROR) ? line.substring(ERROR.length()).strip() : line.strip();
  }
}
