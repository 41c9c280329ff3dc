package ai.cocos.tee.vtpm.internal;

import java.io.Closeable;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ByteChannel;
import java.nio.channels.FileChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Carries raw TPM 2.0 command and response buffers (TPM 2.0 Library Part 3 §5 "Command and Response
 * Structure") to a TPM: a character device such as {@code /dev/tpmrm0} (one write of the whole
 * command, one read of the whole response), or, for a software TPM, a Unix socket named {@code
 * unix:/path} on which swtpm's server speaks the same raw buffers.
 */
final class TpmTransport implements Closeable {
  /** Command/response header: tag (2), size (4), code (4). */
  static final int HEADER = 10;

  /** Largest response accepted (TPM2 responses are at most a few KiB). */
  static final int MAX_RESPONSE = 64 * 1024;

  /** Prefix of a Unix-socket TPM address. */
  static final String UNIX = "unix:";

  private final ByteChannel channel;
  private final boolean stream;
  private final String name;

  private TpmTransport(ByteChannel channel, boolean stream, String name) {
    this.channel = channel;
    this.stream = stream;
    this.name = name;
  }

  /**
   * Opens a TPM.
   *
   * @param address a device path, or {@code unix:<socket path>}
   * @return the open transport
   * @throws IOException if it cannot be opened (the message names it)
   */
  static TpmTransport open(String address) throws IOException {
    if (address.startsWith(UNIX)) {
      Path p = Path.of(address.substring(UNIX.length()));
      SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
      try {
        ch.connect(UnixDomainSocketAddress.of(p));
      } catch (IOException e) {
        ch.close();
        throw new IOException("cannot connect to the TPM socket " + p + ": " + e.getMessage(), e);
      }
      return new TpmTransport(ch, true, address);
    }
    Path p = Path.of(address);
    try {
      return new TpmTransport(
          FileChannel.open(p, StandardOpenOption.READ, StandardOpenOption.WRITE), false, address);
    } catch (java.nio.file.NoSuchFileException e) {
      throw e;
    } catch (IOException e) {
      throw new IOException("cannot open the TPM device " + p + ": " + e, e);
    }
  }

  /**
   * Sends one command and returns its whole response.
   *
   * @param command a marshalled command
   * @return the response, header included
   * @throws IOException on I/O failure or a response whose size field does not fit
   */
  byte[] transact(byte[] command) throws IOException {
    ByteBuffer out = ByteBuffer.wrap(command);
    while (out.hasRemaining()) {
      channel.write(out);
    }
    ByteBuffer in = ByteBuffer.allocate(stream ? HEADER : MAX_RESPONSE);
    if (stream) {
      readFully(in);
      int size = in.getInt(2);
      if (size < HEADER || size > MAX_RESPONSE) {
        throw new IOException(name + ": response size " + size + " out of range");
      }
      ByteBuffer all = ByteBuffer.allocate(size);
      in.flip();
      all.put(in);
      readFully(all);
      return all.array();
    }
    // A TPM character device returns the whole response in one read.
    int n = channel.read(in);
    if (n < HEADER || in.getInt(2) != n) {
      throw new IOException(name + ": short or inconsistent response (" + n + " bytes)");
    }
    byte[] r = new byte[n];
    in.flip();
    in.get(r);
    return r;
  }

  private void readFully(ByteBuffer b) throws IOException {
    while (b.hasRemaining()) {
      if (channel.read(b) < 0) {
        throw new IOException(name + ": connection closed in the middle of a response");
      }
    }
  }

  @Override
  public void close() throws IOException {
    channel.close();
  }
}
