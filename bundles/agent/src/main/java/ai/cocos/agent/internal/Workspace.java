package ai.cocos.agent.internal;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;

/**
 * One computation's private folder (0700), laid out as CocosAI's {@code /cocos}:
 *
 * <pre>
 * &lt;work folder&gt;/&lt;computation id&gt;/
 *   algo               the algorithm (0600; the runner makes it executable)
 *   requirements.txt   its optional requirements
 *   datasets/          one file per dataset, or a decompressed dataset's files
 *   results/           what the algorithm writes
 *   results.zip        the deterministic zip of results/, once the run succeeded
 *   .incoming/         uploads and extractions in progress, never read by anyone else
 * </pre>
 *
 * Files are created 0600 and folders 0700 (on POSIX file systems). Everything is moved into place
 * from {@code .incoming/} by an atomic rename on the same disk.
 */
final class Workspace {
  private static final Set<PosixFilePermission> FILE = PosixFilePermissions.fromString("rw-------");
  private static final Set<PosixFilePermission> DIR = PosixFilePermissions.fromString("rwx------");

  private final Path dir;
  private final boolean posix;
  private final DiskSpace space;

  private Workspace(Path dir, boolean posix, DiskSpace space) {
    this.dir = dir;
    this.posix = posix;
    this.space = space;
  }

  /**
   * Creates a computation's folder, wiping any leftover of an earlier agent run under that id.
   *
   * @param root the agent's work folder (created 0700 if missing)
   * @param computationId the id, a valid manifest id (so a plain folder name)
   * @param space how free space is measured
   * @param overwrite whether a leftover is zeroed before deletion
   * @return the workspace, with empty {@code datasets/}, {@code results/} and {@code .incoming/}
   * @throws IOException if a folder cannot be made
   */
  static Workspace create(Path root, String computationId, DiskSpace space, boolean overwrite)
      throws IOException {
    Objects.requireNonNull(computationId, "computationId");
    Path absRoot = root.toAbsolutePath().normalize();
    Path dir = absRoot.resolve(computationId).normalize();
    if (!dir.getParent().equals(absRoot)) {
      throw new IllegalArgumentException("computation id is not a plain folder name");
    }
    Path existing = absRoot;
    while (!Files.exists(existing)) {
      existing = existing.getParent();
    }
    boolean posix = Files.getFileStore(existing).supportsFileAttributeView("posix");
    if (posix) {
      // Only the folders made here get 0700; an existing work folder is left as configured.
      Files.createDirectories(absRoot, PosixFilePermissions.asFileAttribute(DIR));
    } else {
      Files.createDirectories(absRoot);
    }
    Wiper.wipe(dir, overwrite);
    Workspace w = new Workspace(dir, posix, space);
    w.mkdir(dir);
    w.mkdir(w.datasets());
    w.mkdir(w.results());
    w.mkdir(w.incoming());
    return w;
  }

  Path dir() {
    return dir;
  }

  Path algorithm() {
    return dir.resolve("algo");
  }

  Path requirements() {
    return dir.resolve("requirements.txt");
  }

  Path datasets() {
    return dir.resolve("datasets");
  }

  Path results() {
    return dir.resolve("results");
  }

  Path resultZip() {
    return dir.resolve("results.zip");
  }

  Path incoming() {
    return dir.resolve(".incoming");
  }

  /**
   * Creates a new, empty private file in {@code .incoming/} and opens it for writing.
   *
   * @param prefix the start of its name, for people looking at the folder
   * @return the open channel; its file is {@code incoming().resolve(name)} as returned by {@link
   *     TempFile#path()}
   * @throws IOException if it cannot be made
   */
  TempFile newTempFile(String prefix) throws IOException {
    Path p = newPart(prefix);
    Set<StandardOpenOption> options =
        Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
    return new TempFile(p, FileChannel.open(p, options, fileAttributes()));
  }

  /**
   * Creates a new, empty private file in {@code .incoming/} for an upload and opens it for
   * appending, around the page cache where asked and the file system allows it ({@link
   * DirectWriteChannel}).
   *
   * @param prefix the start of its name, for people looking at the folder
   * @param directIo whether direct I/O is tried
   * @return the file and its channel
   * @throws IOException if it cannot be made
   */
  UploadFile newUploadFile(String prefix, boolean directIo) throws IOException {
    Path p = newPart(prefix);
    return new UploadFile(p, DirectWriteChannel.create(p, directIo, fileAttributes()));
  }

  /** A fresh name in {@code .incoming/}. */
  private Path newPart(String prefix) {
    return incoming().resolve(prefix + "-" + UUID.randomUUID() + ".part");
  }

  /** What a new private file is created with: 0600 on POSIX file systems, nothing elsewhere. */
  private FileAttribute<?>[] fileAttributes() {
    return posix
        ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(FILE)}
        : new FileAttribute<?>[0];
  }

  /**
   * Makes a new private folder in {@code .incoming/}.
   *
   * @param prefix the start of its name
   * @return the folder
   * @throws IOException if it cannot be made
   */
  Path newTempDir(String prefix) throws IOException {
    Path p = incoming().resolve(prefix + "-" + UUID.randomUUID() + ".d");
    mkdir(p);
    return p;
  }

  /**
   * The bytes still writable on the workspace's disk.
   *
   * @return usable bytes
   * @throws IOException if the disk cannot be asked
   */
  long usableBytes() throws IOException {
    return space.usableBytes(dir);
  }

  /**
   * Wipes the run's inputs and outputs: algorithm, requirements, datasets, results and anything in
   * {@code .incoming/}; leaves the results zip and the folders' skeleton gone.
   *
   * @param overwrite whether to zero files first
   * @return files wiped
   * @throws IOException the first failure, after wiping everything else
   */
  int wipeInputs(boolean overwrite) throws IOException {
    int n = 0;
    IOException failure = null;
    for (Path p : new Path[] {algorithm(), requirements(), datasets(), results(), incoming()}) {
      try {
        n += Wiper.wipe(p, overwrite);
      } catch (IOException e) {
        if (failure == null) {
          failure = e;
        } else {
          failure.addSuppressed(e);
        }
      }
    }
    if (failure != null) {
      throw failure;
    }
    return n;
  }

  /**
   * Wipes the whole folder.
   *
   * @param overwrite whether to zero files first
   * @return files wiped
   * @throws IOException the first failure, after wiping everything else
   */
  int wipeAll(boolean overwrite) throws IOException {
    return Wiper.wipe(dir, overwrite);
  }

  /**
   * Whether the folder still exists.
   *
   * @return {@code true} until wiped
   */
  boolean exists() {
    return Files.exists(dir, LinkOption.NOFOLLOW_LINKS);
  }

  private void mkdir(Path p) throws IOException {
    if (posix) {
      FileAttribute<Set<PosixFilePermission>> a = PosixFilePermissions.asFileAttribute(DIR);
      Files.createDirectory(p, a);
      Files.setPosixFilePermissions(p, DIR); // exactly, whatever the umask
    } else {
      Files.createDirectory(p);
    }
  }

  /**
   * A private temporary file and its open channel.
   *
   * @param path the file
   * @param channel open for writing
   */
  record TempFile(Path path, FileChannel channel) {}

  /**
   * A private temporary file for an upload and its open channel.
   *
   * @param path the file
   * @param channel open for appending
   */
  record UploadFile(Path path, DirectWriteChannel channel) {}
}
