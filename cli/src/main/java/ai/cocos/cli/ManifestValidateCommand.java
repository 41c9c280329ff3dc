package ai.cocos.cli;

import ai.cocos.api.computation.Manifest;
import ai.cocos.manifest.ManifestException;
import ai.cocos.manifest.ManifestProblem;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code cocos-cli manifest validate}: checks a manifest as the agent will. */
@Command(
    name = "validate",
    mixinStandardHelpOptions = true,
    versionProvider = VersionProvider.class,
    header = "Check a manifest as the agent will, and summarise it.",
    descriptionHeading = "%n",
    parameterListHeading = "%nArguments:%n",
    optionListHeading = "%nOptions:%n",
    description = {
      "Prints every problem, each with its JSON path (for example datasets[1].hash), or, if"
          + " there is none, a summary: the id, the measurement (SHA3-256 of the canonical form,"
          + " what 'checksum -m' prints), the algorithm and datasets with their checksums, and"
          + " each party's key fingerprint, key type and roles. Compare the fingerprints with"
          + " those 'cocos-cli keys' printed for each party."
    },
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
      "0:the manifest is valid",
      "1:it is not (every problem is listed), or it cannot be read",
      "2:usage error"
    })
final class ManifestValidateCommand extends LocalCommand {
  @Parameters(paramLabel = "MANIFEST", description = "The manifest file (JSON).")
  Path file;

  @Option(
      names = "--json",
      description =
          "Print one JSON object: {\"valid\": true, ...summary} or {\"valid\": false,"
              + " \"problems\": [{\"path\", \"detail\"}...]}.")
  boolean json;

  @Override
  int run() throws Failure {
    Manifest manifest;
    try {
      manifest = ManifestFiles.parse(file);
    } catch (ManifestException e) {
      if (json) {
        List<Object> problems = new ArrayList<>();
        for (ManifestProblem p : e.problems()) {
          Map<String, Object> pm = new LinkedHashMap<>();
          pm.put("path", p.path());
          pm.put("detail", p.detail());
          problems.add(pm);
        }
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("file", file.toString());
        result.put("valid", false);
        result.put("problems", problems);
        JsonOut.print(out(), result);
        return 1;
      }
      throw new Failure(ManifestFiles.describe(file, e.problems()));
    }
    ManifestSummary summary = new ManifestSummary(manifest);
    PrintWriter out = out();
    if (json) {
      Map<String, Object> result = new LinkedHashMap<>();
      result.put("file", file.toString());
      result.put("valid", true);
      result.putAll(summary.toJson());
      JsonOut.print(out, result);
      return 0;
    }
    out.println(file + " is a valid manifest.");
    summary.print(out);
    return 0;
  }
}
