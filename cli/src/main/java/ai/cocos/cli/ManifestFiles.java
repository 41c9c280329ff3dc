package ai.cocos.cli;

import ai.cocos.api.computation.Manifest;
import ai.cocos.manifest.ManifestException;
import ai.cocos.manifest.ManifestParser;
import ai.cocos.manifest.ManifestProblem;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** Reads manifest files and words their problems for the terminal. */
final class ManifestFiles {
  private ManifestFiles() {}

  /**
   * Reads and checks a manifest file.
   *
   * @param file the manifest
   * @return the manifest
   * @throws Failure if the file cannot be read
   * @throws ManifestException listing every problem in it
   */
  static Manifest parse(Path file) throws Failure, ManifestException {
    LocalFiles.requireRegularFile(file, file.toString());
    try (InputStream in = Files.newInputStream(file)) {
      return new ManifestParser().parse(in);
    } catch (IOException e) {
      throw new Failure(file + ": cannot read it: " + LocalFiles.problem(e, file));
    }
  }

  /**
   * Reads a manifest that must be valid.
   *
   * @param file the manifest
   * @return the manifest
   * @throws Failure if it cannot be read or is invalid, listing every problem
   */
  static Manifest read(Path file) throws Failure {
    try {
      return parse(file);
    } catch (ManifestException e) {
      throw new Failure(describe(file, e.problems()));
    }
  }

  /**
   * Lists a manifest's problems, one per line, each with its JSON path.
   *
   * @param file the manifest
   * @param problems at least one
   * @return e.g. {@code manifest.json is not a valid manifest (2 problems):} and the problems
   */
  static String describe(Path file, List<ManifestProblem> problems) {
    StringBuilder b = new StringBuilder(file.toString()).append(" is not a valid manifest (");
    b.append(problems.size()).append(problems.size() == 1 ? " problem):" : " problems):");
    for (ManifestProblem p : problems) {
      b.append(System.lineSeparator()).append("  ").append(p.text());
    }
    return b.toString();
  }
}
