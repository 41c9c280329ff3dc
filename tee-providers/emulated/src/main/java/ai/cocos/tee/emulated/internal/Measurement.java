package ai.cocos.tee.emulated.internal;

import ai.cocos.api.tee.AttestationException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * The emulated launch measurement: SHA-384 over the measured files, so that changing the agent's
 * code changes the measurement as it would on real hardware. For each configured path in order,
 * every regular file below it in sorted order contributes its path relative to the configured path,
 * a NUL, its length as 8 bytes big endian, and its bytes (streamed).
 */
public final class Measurement {
  private Measurement() {}

  /**
   * Measures paths.
   *
   * @param paths files or folders
   * @return 48 bytes
   * @throws AttestationException if a path cannot be read
   */
  public static byte[] of(List<Path> paths) throws AttestationException {
    try {
      MessageDigest md = MessageDigest.getInstance("SHA-384");
      byte[] buf = new byte[1 << 16];
      for (Path root : paths) {
        List<Path> files = new ArrayList<>();
        if (Files.isDirectory(root)) {
          try (Stream<Path> s = Files.walk(root)) {
            s.filter(Files::isRegularFile).sorted().forEach(files::add);
          }
        } else if (Files.isRegularFile(root)) {
          files.add(root);
        } else {
          throw new AttestationException("emulated measurement: " + root + " does not exist");
        }
        for (Path f : files) {
          String rel =
              Files.isDirectory(root) ? root.relativize(f).toString() : f.getFileName().toString();
          md.update(rel.getBytes(StandardCharsets.UTF_8));
          md.update((byte) 0);
          long size = Files.size(f);
          for (int i = 7; i >= 0; i--) {
            md.update((byte) (size >>> (8 * i)));
          }
          try (InputStream in = Files.newInputStream(f)) {
            for (int n = in.read(buf); n > 0; n = in.read(buf)) {
              md.update(buf, 0, n);
            }
          }
        }
      }
      return md.digest();
    } catch (IOException e) {
      throw new AttestationException("emulated measurement: cannot read " + e.getMessage(), e);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-384 missing", e);
    }
  }
}
