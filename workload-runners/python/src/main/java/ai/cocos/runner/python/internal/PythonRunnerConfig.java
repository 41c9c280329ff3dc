package ai.cocos.runner.python.internal;

import org.osgi.service.metatype.annotations.AttributeDefinition;
import org.osgi.service.metatype.annotations.ObjectClassDefinition;

/**
 * Configuration of the {@code python} runner (PID {@code ai.cocos.runner.python}, fed from the
 * {@code AGENT_PYTHON_*} environment variables by the agent assembly). The defaults are safe: the
 * distribution's interpreter, an isolated virtual environment, and no package source at all, so
 * nothing is ever fetched from the internet unless the operator names an index.
 */
@ObjectClassDefinition(
    name = "Cocos Python runner",
    description =
        "Runs algorithms of type 'python' in a fresh virtual environment per computation.")
public @interface PythonRunnerConfig {

  /**
   * The interpreter that creates each virtual environment ({@code AGENT_PYTHON_INTERPRETER}).
   *
   * @return an absolute path
   */
  @AttributeDefinition(
      name = "Interpreter",
      description =
          "Absolute path of the Python 3 interpreter (with its venv and ensurepip modules) that"
              + " creates each computation's virtual environment.")
  String interpreter() default "/usr/bin/python3";

  /**
   * Whether the virtual environment sees the interpreter's own packages ({@code
   * AGENT_PYTHON_SYSTEM_PACKAGES}), such as Debian's {@code python3-numpy}.
   *
   * @return {@code true} to create it with {@code --system-site-packages}
   */
  @AttributeDefinition(
      name = "System site packages",
      description =
          "Let algorithms import the packages installed for the interpreter (for example Debian's"
              + " python3-sklearn in an offline guest image).")
  boolean systemSitePackages() default false;

  /**
   * The package index requirements are installed from ({@code AGENT_PYTHON_INDEX_URL}); empty for
   * none. Never the public index unless named here.
   *
   * @return an {@code https://}, {@code http://} or {@code file://} URL, or empty
   */
  @AttributeDefinition(
      name = "Package index URL",
      description =
          "PEP 503 index for requirements (for example a local mirror). Empty: no index is used.")
  String indexUrl() default "";

  /**
   * A local folder of wheels requirements are installed from ({@code AGENT_PYTHON_WHEELHOUSE});
   * empty for none.
   *
   * @return an absolute folder path, or empty
   */
  @AttributeDefinition(
      name = "Wheelhouse",
      description =
          "Folder of .whl files requirements are installed from (pip --find-links), for offline"
              + " guests. Empty: none.")
  String wheelhouse() default "";

  /**
   * Whether only wheels may be installed ({@code AGENT_PYTHON_ONLY_BINARY}); source distributions
   * would run their build scripts and need build tools from the index.
   *
   * @return {@code true} to pass {@code --only-binary :all:}
   */
  @AttributeDefinition(
      name = "Wheels only",
      description = "Install only pre-built wheels, never build source distributions.")
  boolean onlyBinary() default true;

  /**
   * Whether every requirement must carry a {@code --hash} ({@code AGENT_PYTHON_REQUIRE_HASHES}).
   *
   * @return {@code true} to pass {@code --require-hashes}
   */
  @AttributeDefinition(
      name = "Require hashes",
      description =
          "Refuse requirements without --hash=sha256:... pins (pip's hash-checking mode).")
  boolean requireHashes() default false;

  /**
   * How long a stopped or timed-out run (and everything it started) gets between SIGTERM and
   * SIGKILL.
   *
   * @return the grace in milliseconds
   */
  @AttributeDefinition(
      name = "Kill grace (ms)",
      description =
          "Time between SIGTERM and SIGKILL when a run is stopped or exceeds its time limit.",
      min = "0",
      max = "60000")
  long killGraceMillis() default 2000;

  /**
   * The longest output line delivered in one piece.
   *
   * @return the limit in bytes
   */
  @AttributeDefinition(
      name = "Longest output line (bytes)",
      description = "Output lines longer than this are delivered in pieces of at most this size.",
      min = "1024",
      max = "16777216")
  int maxLineBytes() default 65536;

  /**
   * The {@code PATH} after the virtual environment's {@code bin} folder.
   *
   * @return a colon-separated list of folders
   */
  @AttributeDefinition(
      name = "PATH",
      description =
          "PATH after the virtual environment's bin folder, in the algorithm's otherwise clean"
              + " environment.")
  String path() default "/usr/local/bin:/usr/bin:/bin";
}
