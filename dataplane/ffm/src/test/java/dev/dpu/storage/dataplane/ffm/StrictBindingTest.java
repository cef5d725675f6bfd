package dev.dpu.storage.dataplane.ffm;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A library that lacks a symbol of dpudp.h is a packaging error: the binding fails when it first
 * loads, naming the symbol and the file, instead of running with features missing. A JVM of its
 * own loads another shared library (zlib) in place of libdpudp.so.
 */
class StrictBindingTest {

    /** Run in the child JVM: touch the binding once. */
    public static void main(String[] args) {
        System.out.println("version " + Engine.version());
    }

    @Test
    void aLibraryWithoutOneOfOurSymbolsFailsAtBindingByName(@TempDir Path dir) throws Exception {
        Path foreign = Path.of("/lib/x86_64-linux-gnu/libz.so.1");
        if (!Files.exists(foreign)) {
            foreign = Path.of("/usr/lib/x86_64-linux-gnu/libz.so.1");
        }
        Path log = dir.resolve("child.log");
        Process child = new ProcessBuilder(
                        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                        "--enable-native-access=ALL-UNNAMED",
                        "-cp",
                        System.getProperty("java.class.path"),
                        "-D" + DataplaneLibrary.PROPERTY + "=" + foreign,
                        StrictBindingTest.class.getName())
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        assertThat(child.waitFor(60, TimeUnit.SECONDS)).isTrue();
        String output = Files.readString(log);

        assertThat(child.exitValue()).as(output).isNotZero();
        assertThat(output)
                .contains("ExceptionInInitializerError")
                .contains(
                        foreign + " (found by system property dpu.dataplane.library) has no symbol " + "dpd_last_error")
                .contains("make -C dataplane all")
                .doesNotContain("version ");
    }
}
