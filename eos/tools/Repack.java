import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.jar.Attributes;
import java.util.jar.Manifest;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;

/**
 * Rewrites the agent's jars for the EOS image.
 *
 * <ul>
 *   <li>Every entry, and every entry of the jars a bundle embeds, is stored (not deflated), in its
 *       original order with its original time, so that the image's one compressor sees the class
 *       bytes instead of already-compressed data (smaller image, nothing to inflate as a class
 *       loads).
 *   <li>{@code --linux-x86-64}: native libraries built for other systems (netty's tcnative for
 *       Windows and macOS, JNA's dispatch libraries for 30 platforms) are left out: the guest can
 *       never load them.
 *   <li>{@code --unsign}: jar signatures (META-INF/*.SF, *.RSA, *.DSA, *.EC and the manifest's
 *       per-entry digest sections) are left out. Nothing in the guest checks them (the framework runs
 *       without a security manager), and the whole image is measured at boot instead (PCR 9), which
 *       covers every byte of every jar. BouncyCastle's signatures alone are 2 MB of digests, which
 *       do not compress.
 *   <li>{@code --shrink FILE}: the classes of the jars FILE names ({@code shrink <jar glob>}) that
 *       no other class of the image can reach are left out. A class is reached when a reached class
 *       names it: in its constant pool (class references and type descriptors), in a string constant
 *       holding its binary name (how {@code Class.forName} and service lists name classes), or in a
 *       {@code META-INF/services} file; every class of a jar not shrunk, and every class FILE keeps
 *       by prefix ({@code keep <prefix>}), is reached. So what is left out is what no code of the
 *       image refers to by name. The {@code .proto} sources of shrunk jars go too.
 *   <li>{@code --flatten}: a bundle's embedded jars (its {@code Bundle-ClassPath} beyond {@code .})
 *       become part of the bundle itself: their entries are written after the bundle's own, in
 *       class path order, and {@code Bundle-ClassPath} becomes {@code .}. The framework copies
 *       every embedded jar out of its bundle into its cache when the bundle starts (22 MB for the
 *       gRPC transport: about 0.5 s under emulation, and RAM in the guest's {@code /tmp}); a flat
 *       bundle is read where it lies. The class loader found each class and resource in the first
 *       class path entry holding it, and still does: {@code META-INF/services} files are joined in
 *       class path order, an entry already written is not written again, and the embedded jars'
 *       manifests, {@code module-info} classes and other {@code META-INF/versions} entries go. Two
 *       different files under one name outside {@code META-INF}, or a versioned entry that is more
 *       than a module descriptor or manifest, stop the tool: flattening would change what loads.
 * </ul>
 *
 * <p>Usage: {@code java -Duser.timezone=UTC Repack.java [--linux-x86-64] [--unsign] [--shrink
 * FILE] IN.jar OUT.jar...}. Prints one line a jar, and one a shrunk embedded jar: entries kept,
 * what was left out and its bytes. Same input, same output (the time zone is fixed because zip
 * entry times are local times).
 */
public final class Repack {
  private static final Pattern NATIVE =
      Pattern.compile(".*(\\.so(\\.[0-9.]+)?|\\.dll|\\.dylib|\\.jnilib|/libjnidispatch\\.a)$");
  private static final Pattern FOREIGN_OS =
      Pattern.compile(
          ".*(win32|windows|osx|darwin|macos|freebsd|openbsd|sunos|solaris|aix|android|dragonfly).*");
  private static final Pattern ARCH =
      Pattern.compile(".*(x86|i386|i686|amd64|aarch|arm|ppc|s390|riscv|loongarch|sparc|mips).*");
  private static final Pattern X86_64 = Pattern.compile(".*(x86[-_]64|amd64).*");
  private static final Pattern SIGNATURE =
      Pattern.compile("META-INF/[^/]+\\.(SF|RSA|DSA|EC)", Pattern.CASE_INSENSITIVE);
  private static final Pattern VERSIONED = Pattern.compile("META-INF/versions/[0-9]+/(.*)");
  /** A type descriptor inside a descriptor or signature: {@code Lpkg/Name;}. */
  private static final Pattern DESCRIPTOR = Pattern.compile("L([A-Za-z_$][\\w$/]*)[;<]");
  /** A string constant that may be a class's binary name, dotted or slashed. */
  private static final Pattern NAME = Pattern.compile("[A-Za-z_$][\\w$]*([./][A-Za-z_$][\\w$]*)+");

  /** One entry of a jar; {@code nested} holds the entries of an embedded jar, else null. */
  private record Entry(ZipEntry zip, byte[] data, List<Entry> nested) {}

  /** A class file found in the input, and the jar (outer!inner) that holds it. */
  private record ClassFile(String jar, byte[] data, boolean shrinkable) {}

  private final boolean linuxOnly;
  private final boolean unsign;
  private final boolean flatten;
  private final List<PathMatcher> shrinkJars = new ArrayList<>();
  private final List<String> keepPrefixes = new ArrayList<>();
  private final Map<String, List<ClassFile>> classes = new HashMap<>();
  private final Set<String> serviceNames = new HashSet<>();
  private final Set<String> reached = new HashSet<>();
  private final Map<String, Stats> jarStats = new TreeMap<>();

  /** What was stored and left out of one jar. */
  private static final class Stats {
    long stored;
    long natives;
    long nativeBytes;
    long signatures;
    long signatureBytes;
    long unreached;
    long unreachedBytes;

    boolean onlyStored() {
      return natives == 0 && signatures == 0 && unreached == 0;
    }
  }

  private Repack(boolean linuxOnly, boolean unsign, boolean flatten) {
    this.linuxOnly = linuxOnly;
    this.unsign = unsign;
    this.flatten = flatten;
  }

  public static void main(String[] args) throws IOException {
    boolean linuxOnly = false;
    boolean unsign = false;
    boolean flatten = false;
    Path shrink = null;
    int i = 0;
    for (; i < args.length && args[i].startsWith("--"); i++) {
      switch (args[i]) {
        case "--linux-x86-64" -> linuxOnly = true;
        case "--unsign" -> unsign = true;
        case "--shrink" -> shrink = Path.of(args[++i]);
        case "--flatten" -> flatten = true;
        default -> usage("unknown option " + args[i]);
      }
    }
    if (args.length == i || (args.length - i) % 2 != 0) {
      usage("want pairs of IN.jar OUT.jar");
    }
    Repack r = new Repack(linuxOnly, unsign, flatten);
    if (shrink != null) {
      r.readShrinkFile(shrink);
    }
    Map<Path, List<Entry>> jars = new LinkedHashMap<>();
    Map<Path, Path> outs = new LinkedHashMap<>();
    for (; i < args.length; i += 2) {
      Path in = Path.of(args[i]);
      jars.put(in, r.read(in.getFileName().toString(), Files.readAllBytes(in)));
      outs.put(in, Path.of(args[i + 1]));
    }
    r.reach();
    PrintStream o = System.out;
    for (Map.Entry<Path, List<Entry>> jar : jars.entrySet()) {
      String name = jar.getKey().getFileName().toString();
      Files.write(outs.get(jar.getKey()), r.write(name, jar.getValue()));
    }
    r.jarStats.forEach(
        (jar, s) ->
            o.println(
                jar
                    + ": "
                    + s.stored
                    + " entries stored, "
                    + s.natives
                    + " foreign native libraries left out ("
                    + s.nativeBytes
                    + " bytes), "
                    + s.signatures
                    + " signature files and digests left out ("
                    + s.signatureBytes
                    + " bytes), "
                    + s.unreached
                    + " unreached classes and sources left out ("
                    + s.unreachedBytes
                    + " bytes)"));
  }

  private static void usage(String why) {
    System.err.println(
        "Repack: "
            + why
            + "\nusage: Repack [--linux-x86-64] [--unsign] [--shrink FILE] [--flatten]"
            + " IN.jar OUT.jar [IN.jar OUT.jar]...");
    System.exit(2);
  }

  private void readShrinkFile(Path file) throws IOException {
    for (String raw : Files.readAllLines(file)) {
      String line = raw.replaceFirst("#.*", "").strip();
      if (line.isEmpty()) {
        continue;
      }
      String[] f = line.split("\\s+");
      if (f.length != 2 || !(f[0].equals("shrink") || f[0].equals("keep"))) {
        throw new IOException(file + ": want 'shrink <jar glob>' or 'keep <class prefix>': " + raw);
      }
      if (f[0].equals("shrink")) {
        shrinkJars.add(FileSystems.getDefault().getPathMatcher("glob:" + f[1]));
      } else {
        keepPrefixes.add(f[1].replace('.', '/'));
      }
    }
  }

  private boolean shrinkable(String jarName) {
    Path p = Path.of(jarName.substring(jarName.lastIndexOf('/') + 1));
    return shrinkJars.stream().anyMatch(m -> m.matches(p));
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

  /** Reads a jar (and the jars it embeds), indexing its classes and service lists. */
  private List<Entry> read(String jarName, byte[] jar) throws IOException {
    boolean shrink = shrinkable(jarName);
    List<Entry> entries = new ArrayList<>();
    try (ZipInputStream in = new ZipInputStream(new ByteArrayInputStream(jar))) {
      for (ZipEntry e = in.getNextEntry(); e != null; e = in.getNextEntry()) {
        byte[] data = in.readAllBytes();
        List<Entry> nested = null;
        String name = e.getName();
        String cls = className(name);
        if (!e.isDirectory() && name.endsWith(".jar")) {
          nested = read(jarName + "!" + name, data);
        } else if (cls != null) {
          classes
              .computeIfAbsent(cls, k -> new ArrayList<>())
              .add(new ClassFile(jarName, data, shrink));
        } else if (name.startsWith("META-INF/services/") && !e.isDirectory()) {
          serviceNames.add(name.substring("META-INF/services/".length()).replace('.', '/'));
          for (String line : new String(data, StandardCharsets.UTF_8).split("\n")) {
            String s = line.replaceFirst("#.*", "").strip();
            if (!s.isEmpty()) {
              serviceNames.add(s.replace('.', '/'));
            }
          }
        }
        entries.add(new Entry(e, data, nested));
      }
    }
    return entries;
  }

  /** The internal name of the class an entry holds ({@code a/b/C}), or null if it is no class. */
  private static String className(String entry) {
    if (!entry.endsWith(".class") || entry.endsWith("module-info.class")) {
      return null;
    }
    Matcher v = VERSIONED.matcher(entry);
    String path = v.matches() ? v.group(1) : entry;
    return path.substring(0, path.length() - ".class".length());
  }

  /** Marks every class reachable from the roots. */
  private void reach() throws IOException {
    Deque<String> work = new ArrayDeque<>();
    for (Map.Entry<String, List<ClassFile>> c : classes.entrySet()) {
      boolean root =
          c.getValue().stream().anyMatch(f -> !f.shrinkable())
              || serviceNames.contains(c.getKey())
              || keepPrefixes.stream().anyMatch(c.getKey()::startsWith);
      if (root && reached.add(c.getKey())) {
        work.add(c.getKey());
      }
    }
    while (!work.isEmpty()) {
      for (ClassFile f : classes.get(work.poll())) {
        for (String ref : references(f.data())) {
          if (classes.containsKey(ref) && reached.add(ref)) {
            work.add(ref);
          }
        }
      }
    }
  }

  /**
   * The class names a class file mentions: its class constants, the types in its descriptors and
   * signatures, and string constants shaped like class names (JVMS §4.4).
   */
  private static Set<String> references(byte[] cls) throws IOException {
    Set<String> refs = new HashSet<>();
    DataInputStream in = new DataInputStream(new ByteArrayInputStream(cls));
    if (in.readInt() != 0xCAFEBABE) {
      throw new IOException("not a class file");
    }
    in.readUnsignedShort(); // minor
    in.readUnsignedShort(); // major
    int count = in.readUnsignedShort();
    for (int i = 1; i < count; i++) {
      int tag = in.readUnsignedByte();
      switch (tag) {
        case 1 -> { // CONSTANT_Utf8: class names, descriptors, signatures and string constants
          String s = in.readUTF();
          Matcher d = DESCRIPTOR.matcher(s);
          while (d.find()) {
            refs.add(d.group(1));
          }
          String t = s.startsWith("[") ? s.replaceFirst("^\\[+L?", "").replaceFirst(";$", "") : s;
          if (NAME.matcher(t).matches()) {
            refs.add(t.replace('.', '/'));
          }
        }
        case 3, 4 -> in.skipBytes(4); // Integer, Float
        case 5, 6 -> { // Long, Double: two slots
          in.skipBytes(8);
          i++;
        }
        case 7, 8, 16, 19, 20 -> in.skipBytes(2); // Class, String, MethodType, Module, Package
        case 9, 10, 11, 12, 17, 18 -> in.skipBytes(4); // refs, NameAndType, (Invoke)Dynamic
        case 15 -> in.skipBytes(3); // MethodHandle
        default -> throw new IOException("constant pool tag " + tag + " at index " + i);
      }
    }
    return refs;
  }

  private byte[] write(String jarName, List<Entry> entries) throws IOException {
    List<Entry> kept = kept(jarName, entries);
    if (flatten && !jarName.contains("!")) {
      kept = flattened(jarName, kept);
    }
    return zip(kept);
  }

  /** The entries a jar keeps (embedded jars: theirs, recursively), counted in its stats. */
  private List<Entry> kept(String jarName, List<Entry> entries) throws IOException {
    Stats stats = jarStats.computeIfAbsent(jarName, k -> new Stats());
    boolean shrink = shrinkable(jarName);
    boolean signed =
        unsign && entries.stream().anyMatch(e -> SIGNATURE.matcher(e.zip().getName()).matches());
    List<Entry> out = new ArrayList<>();
    for (Entry e : entries) {
      String name = e.zip().getName();
      byte[] data = e.data();
      if (linuxOnly && foreignNative(name)) {
        stats.natives++;
        stats.nativeBytes += data.length;
        continue;
      }
      if (signed && SIGNATURE.matcher(name).matches()) {
        stats.signatures++;
        stats.signatureBytes += data.length;
        continue;
      }
      if (shrink && (name.endsWith(".proto") || unreached(name))) {
        stats.unreached++;
        stats.unreachedBytes += data.length;
        continue;
      }
      if (signed && name.equals("META-INF/MANIFEST.MF")) {
        byte[] main = withoutDigests(data);
        stats.signatureBytes += data.length - main.length;
        data = main;
      }
      List<Entry> nested = e.nested() == null ? null : kept(jarName + "!" + name, e.nested());
      out.add(new Entry(e.zip(), data, nested));
      stats.stored++;
    }
    if (stats.onlyStored() && jarName.contains("!")) {
      jarStats.remove(jarName); // an embedded jar only stored, nothing left out: no line of its own
    }
    return out;
  }

  /** The entries as a jar, every entry stored, with its original time. */
  private static byte[] zip(List<Entry> entries) throws IOException {
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    try (ZipOutputStream out = new ZipOutputStream(buf)) {
      out.setMethod(ZipOutputStream.STORED);
      for (Entry e : entries) {
        byte[] data = e.nested() != null ? zip(e.nested()) : e.data();
        ZipEntry s = new ZipEntry(e.zip().getName());
        s.setTime(e.zip().getTime());
        s.setMethod(ZipEntry.STORED);
        s.setSize(data.length);
        s.setCompressedSize(data.length);
        CRC32 crc = new CRC32();
        crc.update(data);
        s.setCrc(crc.getValue());
        out.putNextEntry(s);
        out.write(data);
        out.closeEntry();
      }
    }
    return buf.toByteArray();
  }

  /**
   * The bundle's entries with its embedded jars' entries in their place (see {@code --flatten}),
   * or the entries as they are if it embeds none. The entries are those the filters kept (natives,
   * signatures, unreached classes), each embedded jar's by its own rules.
   */
  private List<Entry> flattened(String jarName, List<Entry> entries) throws IOException {
    Map<String, Entry> byName = new HashMap<>();
    for (Entry e : entries) {
      byName.put(e.zip().getName(), e);
    }
    Entry manifestEntry = byName.get("META-INF/MANIFEST.MF");
    if (manifestEntry == null) {
      return entries;
    }
    Manifest manifest = new Manifest(new ByteArrayInputStream(manifestEntry.data()));
    String classPath = manifest.getMainAttributes().getValue("Bundle-ClassPath");
    if (classPath == null) {
      return entries;
    }
    List<String> classPathLeft = new ArrayList<>();
    List<Entry> embedded = new ArrayList<>();
    for (String item : classPath.split(",")) {
      String path = item.strip();
      Entry e = byName.get(path);
      if (e != null && e.nested() != null) {
        embedded.add(e);
      } else {
        classPathLeft.add(path);
      }
    }
    if (embedded.isEmpty()) {
      return entries;
    }
    if (!classPathLeft.contains(".")) {
      classPathLeft.add(0, ".");
    }
    manifest
        .getMainAttributes()
        .put(new Attributes.Name("Bundle-ClassPath"), String.join(",", classPathLeft));
    ByteArrayOutputStream mf = new ByteArrayOutputStream();
    manifest.write(mf);
    List<Entry> out = new ArrayList<>();
    Map<String, byte[]> written = new HashMap<>();
    Map<String, ByteArrayOutputStream> services = new LinkedHashMap<>();
    Map<String, ZipEntry> serviceEntries = new HashMap<>();
    for (Entry e : entries) {
      if (embedded.contains(e)) {
        continue;
      }
      String name = e.zip().getName();
      if (e == manifestEntry) {
        out.add(new Entry(e.zip(), mf.toByteArray(), null));
      } else if (isServiceList(e)) {
        appendService(services, serviceEntries, e);
        continue;
      } else {
        out.add(e);
      }
      written.put(name, e.data());
    }
    for (Entry jar : embedded) {
      String inner = jarName + "!" + jar.zip().getName();
      for (Entry e : jar.nested()) {
        String name = e.zip().getName();
        if (name.equals("META-INF/MANIFEST.MF")
            || name.endsWith("module-info.class")
            || name.equals("META-INF/INDEX.LIST")) {
          continue;
        }
        if (name.startsWith("META-INF/versions/")) {
          if (e.zip().isDirectory() || name.endsWith("/MANIFEST.MF")) {
            continue;
          }
          throw new IOException(
              inner + ": versioned entry " + name + " (flattening would change what loads)");
        }
        if (isServiceList(e)) {
          appendService(services, serviceEntries, e);
          continue;
        }
        byte[] before = written.get(name);
        if (before != null) {
          if (!e.zip().isDirectory()
              && !name.startsWith("META-INF/")
              && !Arrays.equals(before, e.data())) {
            throw new IOException(
                inner + ": " + name + " differs from an entry of the same name before it");
          }
          continue;
        }
        out.add(e);
        written.put(name, e.data());
      }
    }
    for (Map.Entry<String, ByteArrayOutputStream> svc : services.entrySet()) {
      out.add(new Entry(serviceEntries.get(svc.getKey()), svc.getValue().toByteArray(), null));
    }
    return out;
  }

  private static boolean isServiceList(Entry e) {
    return e.zip().getName().startsWith("META-INF/services/") && !e.zip().isDirectory();
  }

  /** Appends a service list to the joined list of its name, starting on a line of its own. */
  private static void appendService(
      Map<String, ByteArrayOutputStream> services, Map<String, ZipEntry> entries, Entry e)
      throws IOException {
    String name = e.zip().getName();
    ByteArrayOutputStream joined = services.computeIfAbsent(name, k -> new ByteArrayOutputStream());
    if (joined.size() > 0 && joined.toByteArray()[joined.size() - 1] != '\n') {
      joined.write('\n');
    }
    joined.write(e.data());
    entries.putIfAbsent(name, e.zip());
  }

  private boolean unreached(String entry) {
    String c = className(entry);
    return c != null && !reached.contains(c);
  }

  /**
   * The manifest without its per-entry sections that hold only digests (JAR File Specification:
   * sections are separated by an empty line, continuation lines start with a space).
   */
  static byte[] withoutDigests(byte[] manifest) {
    String text = new String(manifest, StandardCharsets.UTF_8);
    String[] sections = text.split("(?<=\r?\n)(?=\r?\n)");
    StringBuilder out = new StringBuilder(sections[0]);
    for (int i = 1; i < sections.length; i++) {
      String section = sections[i];
      boolean digestsOnly = true;
      for (String line : section.split("\r?\n")) {
        if (line.isEmpty() || line.startsWith(" ")) {
          continue;
        }
        String key = line.substring(0, Math.max(0, line.indexOf(':')));
        if (!key.equals("Name") && !key.endsWith("-Digest")) {
          digestsOnly = false;
        }
      }
      if (!digestsOnly) {
        out.append(section);
      }
    }
    // A manifest ends with an empty line (the last section's end).
    String nl = sections[0].endsWith("\r\n") ? "\r\n" : "\n";
    if (!out.toString().endsWith(nl + nl)) {
      out.append(nl);
    }
    return out.toString().getBytes(StandardCharsets.UTF_8);
  }
}
