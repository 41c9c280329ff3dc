package ai.cocos.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The build's training run for the CLI's class-data archive: it must succeed (keys, manifest, TLS
 * uploads against its own throwaway agent), leave nothing behind, and stay out of the help.
 */
class ClassDataTrainingCommandTest {
  @Test
  void runsEveryStepOfAnUploadAndLeavesNoFiles() throws IOException {
    Path tmp = Path.of(System.getProperty("java.io.tmpdir"));
    List<Path> before = trainingDirs(tmp);
    Run r = Run.of("class-data-training");
    assertEquals(0, r.exitCode(), r.toString());
    assertEquals(before, trainingDirs(tmp), "the training run's files are deleted");
  }

  @Test
  void isHiddenFromTheHelp() {
    Run r = Run.of("--help");
    assertEquals(0, r.exitCode(), r.toString());
    assertTrue(r.out().contains("data"), r.out());
    assertFalse(r.out().contains("class-data-training"), r.out());
  }

  private static List<Path> trainingDirs(Path tmp) throws IOException {
    try (Stream<Path> s = Files.list(tmp)) {
      return s.filter(p -> p.getFileName().toString().startsWith("cocos-cli-training"))
          .sorted()
          .toList();
    }
  }
}
