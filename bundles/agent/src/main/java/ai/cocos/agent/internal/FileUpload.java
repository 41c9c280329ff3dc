package ai.cocos.agent.internal;

import ai.cocos.agent.AgentException;
import ai.cocos.agent.AgentException.Kind;
import ai.cocos.agent.AlgorithmUpload;
import ai.cocos.agent.UploadReceipt;
import ai.cocos.api.computation.Sha3Hash;
import ai.cocos.crypto.PipelinedSha3OutputStream;
import ai.cocos.crypto.SizeLimitExceededException;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicReference;

/**
 * One upload streaming into private temporary files in the workspace's {@code .incoming/}.
 *
 * <h2>Memory</h2>
 *
 * Each chunk goes through a {@link PipelinedSha3OutputStream} (which counts and limits, copies it
 * once into its off-heap buffers, writes each full one to the file's channel on the caller's thread
 * and hashes it on its own thread, so that disk and hash overlap) into the file, around the page
 * cache where the file system allows it ({@link DirectWriteChannel}); nothing is accumulated. An
 * upload owns that stream's few fixed buffers (1 MiB in all), so memory per upload is constant,
 * whatever its size.
 *
 * <h2>Disk</h2>
 *
 * Before the first chunk, and then each time another {@link AgentSettings#DISK_CHECK_INTERVAL}
 * bytes were written, the disk's usable space is compared with the reserve: the reserve can be
 * undercut by at most that interval (per concurrent upload).
 *
 * <h2>Threads</h2>
 *
 * {@link #write}, {@link #writeRequirements} and {@link #commit} are used by one thread at a time
 * (they are serialised); {@link #abort} may come from any thread at any time, and makes a write in
 * progress fail.
 */
final class FileUpload implements AlgorithmUpload {
  private static final System.Logger LOG = System.getLogger(FileUpload.class.getName());

  /** What is uploaded. */
  enum Item {
    /** The algorithm (with optional requirements). */
    ALGORITHM,
    /** One dataset. */
    DATASET
  }

  private enum Status {
    OPEN,
    COMMITTING,
    COMMITTED,
    FAILED
  }

  /** One file being written: its channel wrapped for hashing, counting and the size limit. */
  private record Part(Path path, PipelinedSha3OutputStream out) {}

  private final Computation owner;
  private final Workspace workspace;
  private final AgentSettings settings;
  private final Item item;
  private final String what;
  private final String filename;
  private final boolean decompress;
  private final Sha3Hash expected;
  private final Object io = new Object();
  private final AtomicReference<Status> status = new AtomicReference<>(Status.OPEN);
  private final Part main;
  private volatile Part requirements;
  private volatile Path staging;
  private volatile String failure;
  private long nextDiskCheck;

  /**
   * Opens the upload's temporary file.
   *
   * @param owner the computation that accepts it
   * @param workspace where it is stored
   * @param settings the limits
   * @param item what is uploaded
   * @param filename the dataset's file name, or empty for the algorithm
   * @param decompress whether the dataset is extracted on commit
   * @param expected the SHA3-256 the manifest names
   * @throws IOException if the temporary file cannot be made
   */
  FileUpload(
      Computation owner,
      Workspace workspace,
      AgentSettings settings,
      Item item,
      String filename,
      boolean decompress,
      Sha3Hash expected)
      throws IOException {
    this.owner = Objects.requireNonNull(owner, "owner");
    this.workspace = Objects.requireNonNull(workspace, "workspace");
    this.settings = Objects.requireNonNull(settings, "settings");
    this.item = Objects.requireNonNull(item, "item");
    this.filename = Objects.requireNonNull(filename, "filename");
    this.decompress = decompress;
    this.expected = Objects.requireNonNull(expected, "expected");
    this.what = item == Item.ALGORITHM ? "algorithm" : "dataset " + Texts.quote(filename);
    this.main = open(item == Item.ALGORITHM ? "algo" : "data", what);
  }

  private Part open(String prefix, String description) throws IOException {
    Workspace.UploadFile t = workspace.newUploadFile(prefix, settings.directIo());
    return new Part(
        t.path(),
        // Hashing runs on its own thread, overlapping the disk writes: uploads go at the speed of
        // the slower of the two instead of their sum.
        new PipelinedSha3OutputStream(t.channel(), settings.maxUploadBytes(), description));
  }

  Item item() {
    return item;
  }

  /** What is uploaded, for messages: {@code algorithm} or {@code dataset 'a.csv'}. */
  String what() {
    return what;
  }

  String filename() {
    return filename;
  }

  boolean decompress() {
    return decompress;
  }

  /** The uploaded file, once committed as far as the hash check. */
  Path file() {
    return main.path;
  }

  /** The requirements file, if any bytes of it arrived. */
  Path requirementsFile() {
    Part r = requirements;
    return r == null || r.out.count() == 0 ? null : r.path;
  }

  /** Where a decompressed dataset is extracted to before it is moved into place. */
  void staging(Path dir) {
    staging = dir;
  }

  Path staging() {
    return staging;
  }

  /** Whether the upload was aborted or failed. */
  boolean failed() {
    return status.get() == Status.FAILED;
  }

  @Override
  public void write(ByteBuffer chunk) throws AgentException {
    write(main, chunk);
  }

  @Override
  public void writeRequirements(ByteBuffer chunk) throws AgentException {
    if (item != Item.ALGORITHM) {
      throw new AgentException(Kind.REJECTED, "only the algorithm's upload has requirements");
    }
    synchronized (io) {
      if (requirements == null && status.get() == Status.OPEN && chunk.hasRemaining()) {
        try {
          requirements = open("requirements", "requirements file");
        } catch (IOException e) {
          throw fail(
              new AgentException(
                  Kind.INTERNAL, "cannot store the requirements file: " + e.getMessage(), e));
        }
      }
      if (requirements == null) {
        ensureOpen();
        return; // nothing to write
      }
      write(requirements, chunk);
    }
  }

  private void write(Part part, ByteBuffer chunk) throws AgentException {
    Objects.requireNonNull(chunk, "chunk");
    synchronized (io) {
      ensureOpen();
      int len = chunk.remaining();
      if (len == 0) {
        return;
      }
      try {
        checkDisk(len);
        part.out.write(chunk);
      } catch (SizeLimitExceededException e) {
        throw fail(new AgentException(Kind.TOO_LARGE, e.getMessage(), e));
      } catch (IOException e) {
        if (failed()) {
          throw aborted();
        }
        throw fail(
            new AgentException(
                Kind.INTERNAL, "cannot store the " + what + ": " + e.getMessage(), e));
      } catch (AgentException e) {
        throw fail(e);
      }
    }
  }

  private void checkDisk(int len) throws AgentException, IOException {
    long written = main.out.count() + (requirements == null ? 0 : requirements.out.count());
    if (written + len <= nextDiskCheck) {
      return;
    }
    long usable = workspace.usableBytes();
    if (usable - len < settings.diskReserveBytes()) {
      throw new AgentException(
          Kind.DISK_FULL,
          what
              + " is larger than free disk ("
              + Texts.bytes(usable)
              + " free, reserve "
              + Texts.bytes(settings.diskReserveBytes())
              + ", "
              + Texts.bytes(written)
              + " received so far)");
    }
    nextDiskCheck = written + len + AgentSettings.DISK_CHECK_INTERVAL;
  }

  @Override
  public UploadReceipt commit() throws AgentException {
    synchronized (io) {
      ensureOpen();
      if (!status.compareAndSet(Status.OPEN, Status.COMMITTING)) {
        throw aborted();
      }
      try {
        close(main);
        close(requirements);
        long size = main.out.count();
        if (size == 0) {
          throw new AgentException(
              Kind.REJECTED, what + " upload is empty: send the file's bytes in the stream");
        }
        Sha3Hash actual = new Sha3Hash(main.out.digest());
        if (!expected.equals(actual)) {
          throw new AgentException(
              Kind.HASH_MISMATCH,
              what
                  + " rejected: SHA3-256 is "
                  + actual.hex()
                  + ", manifest expects "
                  + expected.hex());
        }
        return owner.accept(this, size, actual);
      } catch (AgentException e) {
        throw fail(e);
      } catch (IOException e) {
        if (failed()) {
          throw aborted();
        }
        throw fail(
            new AgentException(
                Kind.INTERNAL, "cannot store the " + what + ": " + e.getMessage(), e));
      } catch (RuntimeException | Error e) {
        fail(new AgentException(Kind.INTERNAL, "cannot store the " + what + ": " + e, e));
        throw e;
      }
    }
  }

  /**
   * Called by the owner, under its lock, right before it moves the files into place: from then on
   * an abort is a no-op.
   *
   * @return {@code false} if the upload was aborted meanwhile
   */
  boolean settle() {
    return status.compareAndSet(Status.COMMITTING, Status.COMMITTED);
  }

  /** Called by the owner if moving the files failed after {@link #settle()}. */
  void unsettle() {
    status.compareAndSet(Status.COMMITTED, Status.COMMITTING);
  }

  @Override
  public void abort() {
    Status s = status.get();
    while (s == Status.OPEN || s == Status.COMMITTING) {
      if (status.compareAndSet(s, Status.FAILED)) {
        failure = what + " upload was aborted";
        LOG.log(Level.DEBUG, () -> "computation " + owner.id() + ": " + failure);
        cleanup();
        owner.forget(this);
        return;
      }
      s = status.get();
    }
  }

  @Override
  public long bytesReceived() {
    return main.out.count();
  }

  private void ensureOpen() throws AgentException {
    Status s = status.get();
    if (s == Status.COMMITTED) {
      throw new AgentException(Kind.ABORTED, what + " upload was already committed");
    }
    if (s != Status.OPEN) {
      throw aborted();
    }
  }

  private AgentException aborted() {
    String f = failure;
    return new AgentException(Kind.ABORTED, f != null ? f : what + " upload was aborted");
  }

  /** Ends the upload as failed (unless it already is), deletes its files, and returns the error. */
  private AgentException fail(AgentException e) {
    Status s = status.get();
    while (s == Status.OPEN || s == Status.COMMITTING) {
      if (status.compareAndSet(s, Status.FAILED)) {
        failure = what + " upload failed: " + e.getMessage();
        cleanup();
        owner.rejected(this, e);
        return e;
      }
      s = status.get();
    }
    return e;
  }

  /** Closes the channels and deletes the temporary files and staging folder. Idempotent. */
  private void cleanup() {
    for (Part p : new Part[] {main, requirements}) {
      if (p != null) {
        try {
          p.out.abandon(); // what is still buffered is thrown away with the file
        } catch (IOException e) {
          // closing a half-written temporary file that is deleted next
        }
        delete(p.path);
      }
    }
    Path s = staging;
    if (s != null) {
      try {
        Wiper.wipe(s, settings.wipeOverwrite());
      } catch (IOException e) {
        LOG.log(Level.WARNING, "cannot delete " + s + ": " + e.getMessage());
      }
    }
  }

  private void delete(Path p) {
    try {
      // The bytes of a rejected upload are as sensitive as accepted ones.
      Wiper.wipe(p, settings.wipeOverwrite());
    } catch (IOException e) {
      LOG.log(Level.WARNING, "cannot delete " + p + ": " + e.getMessage());
      try {
        Files.deleteIfExists(p);
      } catch (IOException x) {
        // reported above
      }
    }
  }

  private static void close(Part p) throws IOException {
    if (p != null) {
      p.out.close();
    }
  }
}
