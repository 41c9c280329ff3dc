import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.regex.Pattern;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;

/**
 * Rewrites a jar for the EOS image: every entry, and every entry of the jars it embeds, is stored
 * (not deflated), in its original order with its original time, so that the image's one compressor
 * sees the class bytes instead of already-compressed data (smaller image, and nothing to inflate
 * when a class loads). With {@code --linux-x86-64} it also leaves out native libraries built for
 * other systems (netty's tcnative for Windows and macOS, JNA's dispatch libraries for 30 platforms),
 * which the guest can never load. Entry contents are not changed, so jar signatures stay valid.
 *
 * <p>Usage: {@code java -Duser.timezone=UTC Repack.java [--linux-x86-64] IN.jar OUT.jar...}. Prints
 * one line a jar: entries kept, native libraries left out and their bytes. Same input, same output
 * (the time zone is fixed because zip entry times are local times).
 */
public final class Repack {
  private static final Pattern NATIVE =
      Pattern.compile(".*(\\.so(\\.[0-9.]+)?|\\.dll|\\.dylib|\\.jnilib|/libjnidispatch\\.a)$");
  private static final Pattern FOREIGN_OS =
      Pattern.compile(".*(win32|windows|osx|darwin|macos|freebsd|openbsd|sunos|solaris|aix|android|dragonfly).*");
  private static final Pattern ARCH =
      Pattern.compile(".*(x86|i386|i686|amd64|aarch|arm|ppc|s390|riscv|loongarch|sparc|mips).*");
  private static final Pattern X86_64 = Pattern.compile(".*(x86[-_]64|amd64).*");

  private int kept;
  private int dropped;
  private long droppedBytes;
  private final boolean linuxOnly;

  private Repack(boolean linuxOnly) {
    this.linuxOnly = linuxOnly;
  }

  public static void main(String[] args) throws IOException {
    boolean linuxOnly = args.length > 0 && args[0].equals("--linux-x86-64");
    int first = linuxOnly ? 1 : 0;
    if (args.length == first || (args.length - first) % 2 != 0) {
      System.err.println("usage: Repack [--linux-x86-64] IN.jar OUT.jar [IN.jar OUT.jar]...");
      System.exit(2);
    }
    PrintStream o = System.out;
    for (int i = first; i < args.length; i += 2) {
      Repack r = new Repack(linuxOnly);
      byte[] out = r.repack(Files.readAllBytes(Path.of(args[i])));
      Files.write(Path.of(args[i + 1]), out);
      o.println(
          Path.of(args[i]).getFileName()
              + ": "
              + r.kept
              + " entries stored, "
              + r.dropped
              + " foreign native libraries left out ("
              + r.droppedBytes
              + " bytes)");
    }
  }

  static boolean foreignNative(String name) {
    String n = name.toLowerCase(Locale.ROOT);
    if (!NATIVE.matcher(n).matches()) {
      return false;
    }
    if (FOREIGN_OS.matcher(n).matches()) {
      return true;
    }
    return ARCH.matcher(n).matches() && !X86_64.matcher(n).matches();
  }

  private byte[] repack(byte[] jar) throws IOException {
    ByteArrayOutputStream buf = new ByteArrayOutputStream(jar.length * 2);
    try (ZipInputStream in = new ZipInputStream(new ByteArrayInputStream(jar));
        ZipOutputStream out = new ZipOutputStream(buf)) {
      out.setMethod(ZipOutputStream.STORED);
      for (ZipEntry e = in.getNextEntry(); e != null; e = in.getNextEntry()) {
        byte[] data = in.readAllBytes();
        if (linuxOnly && foreignNative(e.getName())) {
          dropped++;
          droppedBytes += data.length;
          continue;
        }
        if (!e.isDirectory() && e.getName().endsWith(".jar")) {
          data = repack(data);
        }
        ZipEntry s = new ZipEntry(e.getName());
        s.setTime(e.getTime());
        s.setMethod(ZipEntry.STORED);
        s.setSize(data.length);
        s.setCompressedSize(data.length);
        CRC32 crc = new CRC32();
        crc.update(data);
        s.setCrc(crc.getValue());
        out.putNextEntry(s);
        out.write(data);
        out.closeEntry();
        kept++;
      }
    }
    return buf.toByteArray();
  }
}
