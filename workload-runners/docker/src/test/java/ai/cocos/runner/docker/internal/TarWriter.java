package ai.cocos.runner.docker.internal;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/** Writes ustar archives (POSIX.1-2017 pax, "ustar Interchange Format") for test images. */
final class TarWriter {
  private final OutputStream out;

  TarWriter(OutputStream out) {
    this.out = out;
  }

  void file(String name, int mode, byte[] data) throws IOException {
    out.write(header(name, mode, data.length, (byte) '0', ""));
    out.write(data);
    pad(data.length);
  }

  /** A file streamed from disk (never whole in memory). */
  void file(String name, int mode, java.nio.file.Path source) throws IOException {
    long size = java.nio.file.Files.size(source);
    out.write(header(name, mode, size, (byte) '0', ""));
    java.nio.file.Files.copy(source, out);
    pad(size);
  }

  void dir(String name) throws IOException {
    out.write(header(name.endsWith("/") ? name : name + "/", 0755, 0, (byte) '5', ""));
  }

  void symlink(String name, String target) throws IOException {
    out.write(header(name, 0777, 0, (byte) '2', target));
  }

  /** A pax extended header giving the next entry a long path. */
  void paxPath(String path) throws IOException {
    byte[] record = paxRecord("path", path);
    out.write(header("PaxHeaders/x", 0644, record.length, (byte) 'x', ""));
    out.write(record);
    pad(record.length);
  }

  void finish() throws IOException {
    out.write(new byte[TarIndex.BLOCK * 2]);
    out.flush();
  }

  static byte[] paxRecord(String key, String value) {
    String body = " " + key + "=" + value + "\n";
    int len = body.getBytes(StandardCharsets.UTF_8).length;
    int total = len + Integer.toString(len).length();
    if (Integer.toString(total).length() != Integer.toString(len).length()) {
      total++;
    }
    return (total + body).getBytes(StandardCharsets.UTF_8);
  }

  static byte[] header(String name, int mode, long size, byte type, String link) {
    byte[] h = new byte[TarIndex.BLOCK];
    put(h, 0, 100, name);
    put(h, 100, 8, octal(mode, 7));
    put(h, 108, 8, octal(0, 7));
    put(h, 116, 8, octal(0, 7));
    put(h, 124, 12, octal(size, 11));
    put(h, 136, 12, octal(0, 11));
    h[156] = type;
    put(h, 157, 100, link);
    put(h, 257, 6, "ustar");
    put(h, 263, 2, "00");
    for (int i = 148; i < 156; i++) {
      h[i] = ' ';
    }
    long sum = 0;
    for (byte b : h) {
      sum += b & 0xff;
    }
    put(h, 148, 8, octal(sum, 6) + "\0 ");
    return h;
  }

  static byte[] tarOf(Entry... entries) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    TarWriter t = new TarWriter(bytes);
    for (Entry e : entries) {
      t.file(e.name(), 0644, e.data());
    }
    t.finish();
    return bytes.toByteArray();
  }

  record Entry(String name, byte[] data) {}

  private void pad(long size) throws IOException {
    int rest = (int) (size % TarIndex.BLOCK);
    if (rest != 0) {
      out.write(new byte[TarIndex.BLOCK - rest]);
    }
  }

  private static String octal(long v, int digits) {
    String s = Long.toOctalString(v);
    return "0".repeat(Math.max(0, digits - s.length())) + s;
  }

  private static void put(byte[] h, int off, int len, String s) {
    byte[] b = s.getBytes(StandardCharsets.UTF_8);
    if (b.length > len) {
      throw new IllegalArgumentException("tar field too long: " + s);
    }
    System.arraycopy(b, 0, h, off, b.length);
  }
}
