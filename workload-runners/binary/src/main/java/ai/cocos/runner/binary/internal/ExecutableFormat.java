package ai.cocos.runner.binary.internal;

import ai.cocos.api.runner.RunnerException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * Checks that a file is something the kernel itself can execute: an ELF executable for this
 * machine, or a script starting with {@code #!}.
 *
 * <p>Why this is needed: when {@code execve} fails with {@code ENOEXEC}, the JDK (and glibc's
 * {@code execvp}) silently retry by running the file with {@code /bin/sh}. Without this check a
 * file of any other format would be interpreted by a shell instead of failing with "exec format
 * error".
 */
final class ExecutableFormat {
  // ELF header offsets, from the System V ABI (gABI), chapter 4 "ELF Header", figure 4-3 (e_ident)
  // and figure 4-1 (Elf32_Ehdr / Elf64_Ehdr; e_type and e_machine sit at the same offsets in both).
  private static final int EI_CLASS = 4;
  private static final int EI_DATA = 5;
  private static final int E_TYPE = 16;
  private static final int E_MACHINE = 18;
  private static final int HEADER_BYTES = 20;
  private static final byte ELFDATA2LSB = 1;
  private static final int ET_EXEC = 2;
  private static final int ET_DYN = 3;
  // e_machine values (gABI "e_machine" table).
  private static final int EM_386 = 3;
  private static final int EM_ARM = 40;
  private static final int EM_X86_64 = 62;
  private static final int EM_AARCH64 = 183;
  private static final int EM_PPC64 = 21;
  private static final int EM_S390 = 22;
  private static final int EM_RISCV = 243;

  private ExecutableFormat() {}

  /**
   * Checks the file's first bytes.
   *
   * @param file the algorithm file, known to exist
   * @throws RunnerException naming why the file cannot be executed on this host
   */
  static void check(Path file) throws RunnerException {
    byte[] head = new byte[HEADER_BYTES];
    int n;
    try (InputStream in = Files.newInputStream(file)) {
      n = in.readNBytes(head, 0, head.length);
    } catch (IOException e) {
      throw new RunnerException("cannot read algorithm " + file + ": " + e.getMessage(), e);
    }
    if (n >= 2 && head[0] == '#' && head[1] == '!') {
      return;
    }
    if (n >= 4 && head[0] == 0x7f && head[1] == 'E' && head[2] == 'L' && head[3] == 'F') {
      checkElf(file, head, n);
      return;
    }
    throw new RunnerException(
        "cannot start algorithm "
            + file
            + ": exec format error (neither an ELF executable nor a script starting with #!)");
  }

  private static void checkElf(Path file, byte[] head, int n) throws RunnerException {
    if (n < HEADER_BYTES) {
      throw new RunnerException(
          "cannot start algorithm " + file + ": exec format error (truncated ELF header)");
    }
    boolean little = head[EI_DATA] == ELFDATA2LSB;
    int type = u16(head, E_TYPE, little);
    if (type != ET_EXEC && type != ET_DYN) {
      throw new RunnerException(
          "cannot start algorithm "
              + file
              + ": exec format error (ELF file of type "
              + type
              + " is not an executable)");
    }
    int machine = u16(head, E_MACHINE, little);
    String arch = System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);
    int host = hostMachine(arch);
    if (host != 0 && machine != host && !compatible(host, machine)) {
      throw new RunnerException(
          "cannot start algorithm "
              + file
              + ": exec format error (ELF executable for machine "
              + machine
              + ", "
              + (head[EI_CLASS] == 2 ? "64" : "32")
              + "-bit; this host is "
              + arch
              + ", machine "
              + host
              + ")");
    }
  }

  /** 32-bit executables that a 64-bit kernel usually runs too. */
  private static boolean compatible(int host, int machine) {
    return (host == EM_X86_64 && machine == EM_386) || (host == EM_AARCH64 && machine == EM_ARM);
  }

  private static int hostMachine(String arch) {
    return switch (arch) {
      case "amd64", "x86_64" -> EM_X86_64;
      case "aarch64", "arm64" -> EM_AARCH64;
      case "x86", "i386", "i486", "i586", "i686" -> EM_386;
      case "arm" -> EM_ARM;
      case "ppc64", "ppc64le" -> EM_PPC64;
      case "s390x" -> EM_S390;
      case "riscv64" -> EM_RISCV;
      default -> 0; // unknown: let the kernel decide
    };
  }

  private static int u16(byte[] b, int offset, boolean little) {
    int lo = b[offset] & 0xff;
    int hi = b[offset + 1] & 0xff;
    return little ? lo | hi << 8 : hi | lo << 8;
  }

  /**
   * The interpreter named on a script's {@code #!} line, for error messages.
   *
   * @param file the script
   * @return the interpreter path, or an empty string if the file is not a script
   */
  static String interpreter(Path file) {
    try (InputStream in = Files.newInputStream(file)) {
      byte[] head = in.readNBytes(256);
      String text = new String(head, StandardCharsets.UTF_8);
      if (!text.startsWith("#!")) {
        return "";
      }
      int end = text.indexOf('\n');
      String line = (end < 0 ? text.substring(2) : text.substring(2, end)).strip();
      int space = line.indexOf(' ');
      return space < 0 ? line : line.substring(0, space);
    } catch (IOException e) {
      return "";
    }
  }
}
