package ai.cocos.manager.internal;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BiConsumer;

/**
 * A client of QEMU's machine protocol (QMP) over the VM's Unix socket: one JSON object per line;
 * the server greets, the client negotiates capabilities, then commands are answered in order and
 * events arrive in between.
 *
 * <p>QEMU serves one QMP client at a time, so the backend keeps one connection per VM and closes it
 * when the manager stops (the next manager connects again). One command at a time; thread-safe.
 */
final class Qmp implements AutoCloseable {
  /** How long a command may take to be answered. */
  static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(10);

  private final SocketChannel channel;
  private final Path socket;
  private final BiConsumer<String, Map<?, ?>> events;
  private final CompletableFuture<Void> greeted = new CompletableFuture<>();
  private final CompletableFuture<Void> closed = new CompletableFuture<>();
  private final Object sendLock = new Object();
  private long nextId;
  // guarded by sendLock
  private volatile CompletableFuture<Map<?, ?>> pending;

  private Qmp(SocketChannel channel, Path socket, BiConsumer<String, Map<?, ?>> events) {
    this.channel = channel;
    this.socket = socket;
    this.events = events;
  }

  /**
   * Connects, waits for the greeting and negotiates capabilities.
   *
   * @param socket the QMP socket
   * @param timeout how long the greeting may take
   * @param events called on the reader thread with each event's name and data
   * @param threadName the reader thread's name
   * @return the connection
   * @throws IOException if there is no QEMU there, or it does not speak QMP in time
   */
  static Qmp connect(
      Path socket, Duration timeout, BiConsumer<String, Map<?, ?>> events, String threadName)
      throws IOException {
    SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
    Qmp qmp;
    try {
      ch.connect(UnixDomainSocketAddress.of(socket));
      qmp = new Qmp(ch, socket, events);
    } catch (IOException | RuntimeException e) {
      ch.close();
      throw e;
    }
    Thread reader = new Thread(qmp::read, threadName);
    reader.setDaemon(true);
    reader.start();
    try {
      qmp.greeted.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
      qmp.execute("qmp_capabilities", Map.of());
      return qmp;
    } catch (TimeoutException e) {
      qmp.close();
      throw new IOException(
          "no QMP greeting on " + socket + " within " + timeout.toMillis() + " ms");
    } catch (ExecutionException e) {
      qmp.close();
      throw new IOException(
          "QMP on " + socket + " closed before its greeting: " + e.getCause().getMessage(), e);
    } catch (InterruptedException e) {
      qmp.close();
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while connecting to QMP on " + socket, e);
    } catch (IOException | RuntimeException e) {
      qmp.close();
      throw e;
    }
  }

  /**
   * Runs a command.
   *
   * @param command e.g. {@code query-status}
   * @param arguments its arguments, possibly none
   * @return the command's {@code return} value (often an empty object)
   * @throws IOException if QEMU answers with an error (class and description in the message), does
   *     not answer in time, or the connection is closed
   */
  Object execute(String command, Map<String, Object> arguments) throws IOException {
    CompletableFuture<Map<?, ?>> answer = new CompletableFuture<>();
    synchronized (sendLock) {
      if (closed.isDone()) {
        throw new IOException("QMP connection to " + socket + " is closed");
      }
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("execute", command);
      if (!arguments.isEmpty()) {
        m.put("arguments", arguments);
      }
      m.put("id", "cocos-" + nextId++);
      pending = answer;
      byte[] json = Json.writeCompact(m);
      ByteBuffer buf = ByteBuffer.allocate(json.length + 1).put(json).put((byte) '\n').flip();
      while (buf.hasRemaining()) {
        channel.write(buf);
      }
      Map<?, ?> reply;
      try {
        reply = answer.get(COMMAND_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
      } catch (TimeoutException e) {
        throw new IOException(
            "QMP " + command + " not answered within " + COMMAND_TIMEOUT.toSeconds() + " s");
      } catch (ExecutionException e) {
        throw new IOException("QMP " + command + ": " + e.getCause().getMessage(), e.getCause());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("interrupted while waiting for QMP " + command, e);
      } finally {
        pending = null;
      }
      if (reply.get("error") instanceof Map<?, ?> error) {
        throw new IOException(
            "QMP " + command + " failed: " + error.get("class") + ": " + error.get("desc"));
      }
      return reply.get("return");
    }
  }

  /**
   * Whether the connection is open.
   *
   * @return {@code false} once QEMU closed it or {@link #close} was called
   */
  boolean isOpen() {
    return !closed.isDone();
  }

  /** Closes the connection; QEMU keeps running. */
  @Override
  public void close() {
    try {
      channel.close();
    } catch (IOException e) {
      // closing anyway
    }
    closed.complete(null);
  }

  private void read() {
    try (BufferedReader in =
        new BufferedReader(
            new InputStreamReader(Channels.newInputStream(channel), StandardCharsets.UTF_8))) {
      String line;
      while ((line = in.readLine()) != null) {
        if (line.isBlank()) {
          continue;
        }
        Object tree = Json.read(line.getBytes(StandardCharsets.UTF_8));
        if (!(tree instanceof Map<?, ?> m)) {
          continue;
        }
        if (m.containsKey("QMP")) {
          greeted.complete(null);
        } else if (m.get("event") instanceof String name) {
          Map<?, ?> data = m.get("data") instanceof Map<?, ?> d ? d : Map.of();
          try {
            events.accept(name, data);
          } catch (RuntimeException e) {
            // a listener's failure must not stop the connection
          }
        } else if (m.containsKey("return") || m.containsKey("error")) {
          CompletableFuture<Map<?, ?>> p = pending;
          if (p != null) {
            p.complete(m);
          }
        }
      }
      fail(new IOException("QEMU closed the QMP connection"));
    } catch (IOException | RuntimeException e) {
      fail(e instanceof IOException io ? io : new IOException(e.getMessage(), e));
    } finally {
      close();
    }
  }

  private void fail(IOException e) {
    greeted.completeExceptionally(e);
    CompletableFuture<Map<?, ?>> p = pending;
    if (p != null) {
      p.completeExceptionally(e);
    }
  }
}
