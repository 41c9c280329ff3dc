package ai.cocos.runner.python.internal;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * Writes pure-Python wheels (PEP 427) directly, so tests need neither setuptools nor a network: a
 * wheel is a zip of the package's files plus a {@code .dist-info} folder with {@code METADATA},
 * {@code WHEEL} and a {@code RECORD} of SHA-256 digests.
 */
final class Wheels {
  private Wheels() {}

  /**
   * Writes {@code NAME-VERSION-py3-none-any.whl} into a folder.
   *
   * @param dir the wheelhouse
   * @param name the distribution (and import package) name
   * @param version its version
   * @param init the package's {@code __init__.py}
   * @param requires {@code Requires-Dist} entries
   * @return the wheel file
   */
  static Path write(Path dir, String name, String version, String init, List<String> requires)
      throws IOException {
    String distInfo = name + "-" + version + ".dist-info/";
    StringBuilder metadata =
        new StringBuilder("Metadata-Version: 2.1\nName: " + name + "\nVersion: " + version + "\n");
    requires.forEach(r -> metadata.append("Requires-Dist: ").append(r).append('\n'));
    Map<String, byte[]> files = new LinkedHashMap<>();
    files.put(name + "/__init__.py", init.getBytes(StandardCharsets.UTF_8));
    files.put(distInfo + "METADATA", metadata.toString().getBytes(StandardCharsets.UTF_8));
    files.put(
        distInfo + "WHEEL",
        ("Wheel-Version: 1.0\nGenerator: cocos-test\nRoot-Is-Purelib: true\nTag: py3-none-any\n")
            .getBytes(StandardCharsets.UTF_8));
    StringBuilder record = new StringBuilder();
    for (Map.Entry<String, byte[]> e : files.entrySet()) {
      record
          .append(e.getKey())
          .append(",sha256=")
          .append(digest(e.getValue()))
          .append(',')
          .append(e.getValue().length)
          .append('\n');
    }
    record.append(distInfo).append("RECORD,,\n");
    files.put(distInfo + "RECORD", record.toString().getBytes(StandardCharsets.UTF_8));

    Path wheel = dir.resolve(name + "-" + version + "-py3-none-any.whl");
    try (OutputStream os = Files.newOutputStream(wheel);
        ZipOutputStream zip = new ZipOutputStream(os)) {
      for (Map.Entry<String, byte[]> e : files.entrySet()) {
        zip.putNextEntry(new ZipEntry(e.getKey()));
        zip.write(e.getValue());
        zip.closeEntry();
      }
    }
    return wheel;
  }

  /** The wheel's SHA-256 as pip's {@code --hash} wants it. */
  static String sha256Hex(Path file) throws IOException {
    byte[] d = sha256(Files.readAllBytes(file));
    StringBuilder sb = new StringBuilder();
    for (byte b : d) {
      sb.append(String.format("%02x", b));
    }
    return sb.toString();
  }

  private static String digest(byte[] data) {
    return Base64.getUrlEncoder().withoutPadding().encodeToString(sha256(data));
  }

  private static byte[] sha256(byte[] data) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(data);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
