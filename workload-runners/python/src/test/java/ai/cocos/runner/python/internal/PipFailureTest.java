package ai.cocos.runner.python.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** pip 23's own messages, as captured from Debian's pip on this machine. */
class PipFailureTest {
  private static final List<String> NOT_FOUND =
      List.of(
          "Looking in links: /srv/wheels",
          "ERROR: Could not find a version that satisfies the requirement numpy==9.9 (from"
              + " versions: 1.24.2, 1.26.4)",
          "ERROR: No matching distribution found for numpy==9.9");

  @Test
  void namesTheRequirementAndTheWheelhouse() {
    assertEquals(
        "requirement 'numpy==9.9' cannot be resolved: no matching wheel in the wheelhouse"
            + " /srv/wheels (AGENT_PYTHON_WHEELHOUSE) (versions found: 1.24.2, 1.26.4)",
        PipFailure.reason(NOT_FOUND, settings(Optional.empty(), Optional.of("/srv/wheels")), 1));
  }

  @Test
  void namesTheIndexWithoutItsCredentials() {
    assertEquals(
        "requirement 'numpy==9.9' cannot be resolved: no matching wheel in the wheelhouse"
            + " /srv/wheels (AGENT_PYTHON_WHEELHOUSE) or the package index"
            + " https://***@mirror.example/simple (AGENT_PYTHON_INDEX_URL) (versions found:"
            + " 1.24.2, 1.26.4)",
        PipFailure.reason(
            NOT_FOUND,
            settings(
                Optional.of(URI.create("https://user:s3cret@mirror.example/simple")),
                Optional.of("/srv/wheels")),
            1));
  }

  @Test
  void fallsBackToPipsFirstErrorOrItsStatus() {
    assertEquals(
        "requirements could not be installed: Invalid requirement: 'numpy=='",
        PipFailure.reason(
            List.of("ERROR: Invalid requirement: 'numpy=='", "ERROR: other"),
            settings(Optional.empty(), Optional.empty()),
            1));
    assertEquals(
        "requirements could not be installed: pip exited with status 2",
        PipFailure.reason(List.of("Traceback"), settings(Optional.empty(), Optional.empty()), 2));
  }

  @Test
  void explainsAHashMismatch() {
    assertEquals(
        "requirements could not be installed: THESE PACKAGES DO NOT MATCH THE HASHES FROM THE"
            + " REQUIREMENTS FILE. (a package's SHA-256 differs from its --hash pin)",
        PipFailure.reason(
            List.of(
                "ERROR: THESE PACKAGES DO NOT MATCH THE HASHES FROM THE REQUIREMENTS FILE.",
                "    cocoshello==1.0 from file:///w/cocoshello-1.0-py3-none-any.whl:"),
            settings(Optional.empty(), Optional.of("/w")),
            1));
  }

  private static PythonSettings settings(Optional<URI> index, Optional<String> wheelhouse) {
    return new PythonSettings(
        Path.of("/usr/bin/python3"),
        false,
        index,
        wheelhouse.map(Path::of),
        true,
        false,
        Duration.ZERO,
        65536,
        "/bin");
  }
}
