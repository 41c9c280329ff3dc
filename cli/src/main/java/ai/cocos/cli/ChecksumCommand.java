package ai.cocos.cli;

import ai.cocos.api.computation.Manifest;
import ai.cocos.crypto.DeterministicZip;
import ai.cocos.crypto.Sha3;
import ai.cocos.manifest.ManifestSignature;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code cocos-cli checksum}: the SHA3-256 a manifest names a file or directory by. */
@Command(
    name = "checksum",
    mixinStandardHelpOptions = true,
    versionProvider = VersionProvider.class,
    sortOptions = false,
    sortSynopsis = false,
    header = "Print the SHA3-256 of a file, a directory, or a manifest's measurement.",
    descriptionHeading = "%n",
    parameterListHeading = "%nArguments:%n",
    optionListHeading = "%nOptions:%n",
    description = {
      "Prints the digest alone on one line, lower-case hex (base64 with -b). The file is read"
          + " as a stream, so any size works.",
      "",
      "A file's checksum is what a manifest's algorithm.hash and datasets[].hash hold. A"
          + " directory's is SHA3-256 of its deterministic zip (regular files only, sorted by"
          + " path, fixed time stamps; the same tree gives the same zip on any machine): what a"
          + " directory dataset is uploaded as, and what 'manifest create' puts in the manifest."
          + " (CocosAI zips directories differently, so its checksum of a directory differs.)",
      "",
      "With -m, PATH is a manifest and the result is its measurement: SHA3-256 of its"
          + " canonical form, the same whatever the JSON's layout (CocosAI's -m hashes its own"
          + " re-serialisation instead, so the values differ)."
    },
    footerHeading = "%nExamples:%n",
    footer = {
      "  cocos-cli checksum lr.py",
      "  cocos-cli checksum hospital-b-records/",
      "  cocos-cli checksum -m manifest.json"
    },
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
      "0:the checksum was printed",
      "1:PATH cannot be read, or with -m is not a valid manifest",
      "2:usage error"
    })
final class ChecksumCommand extends LocalCommand {
  @Parameters(
      paramLabel = "PATH",
      description = "File or directory to hash; with -m, a manifest file.")
  Path path;

  @Option(
      names = {"-b", "--base64"},
      description = "Print the digest in standard base64 instead of hex.")
  boolean base64;

  @Option(
      names = {"-m", "--manifest"},
      description = "PATH is a manifest: print its measurement (checks the manifest first).")
  boolean manifest;

  @Option(
      names = "--json",
      description = "Print one JSON object: path, kind, algorithm, hex and base64.")
  boolean json;

  @Override
  int run() throws Failure {
    String kind;
    byte[] digest;
    if (manifest) {
      if (Files.isDirectory(path)) {
        throw new Failure(path + ": is a directory; -m takes a manifest file");
      }
      Manifest m = ManifestFiles.read(path);
      kind = "manifest";
      digest = ManifestSignature.digest(m).bytes();
    } else if (Files.isDirectory(path)) {
      kind = "directory";
      digest = hash(true);
    } else {
      LocalFiles.requireRegularFile(path, path.toString());
      kind = "file";
      digest = hash(false);
    }

    String hex = HexFormat.of().formatHex(digest);
    String b64 = Base64.getEncoder().encodeToString(digest);
    PrintWriter out = out();
    if (json) {
      Map<String, Object> result = new LinkedHashMap<>();
      result.put("path", path.toString());
      result.put("kind", kind);
      result.put("algorithm", "SHA3-256");
      result.put("hex", hex);
      result.put("base64", b64);
      JsonOut.print(out, result);
    } else {
      out.println(base64 ? b64 : hex);
      out.flush();
    }
    return 0;
  }

  private byte[] hash(boolean directory) throws Failure {
    try {
      return directory ? DeterministicZip.hashOf(path) : Sha3.of(path);
    } catch (IOException e) {
      throw new Failure(path + ": cannot read it: " + LocalFiles.problem(e, path));
    }
  }
}
