package io.predictor.core.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.AdaptiveByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.channel.uring.IoUring;
import io.netty.channel.uring.IoUringServerSocketChannel;
import io.netty.channel.uring.IoUringSocketChannel;
import org.junit.jupiter.api.Test;

class TransportTest {

    @Test
    void nioIsAlwaysThere() {
        Transport t = Transport.select("nio", "pooled");
        assertThat(t.name()).isEqualTo("nio");
        assertThat(t.serverChannel()).isEqualTo(NioServerSocketChannel.class);
        assertThat(t.socketChannel()).isEqualTo(NioSocketChannel.class);
    }

    @Test
    void autoPrefersIoUringThenEpollThenNio() {
        Transport t = Transport.select("auto", "pooled");
        String expected = IoUring.isAvailable() ? "io_uring" : Epoll.isAvailable() ? "epoll" : "nio";
        assertThat(t.name()).isEqualTo(expected);
        if (IoUring.isAvailable()) {
            assertThat(t.socketChannel()).isEqualTo(IoUringSocketChannel.class);
            assertThat(Transport.autoFallback()).isNull();
        } else {
            assertThat(Transport.autoFallback())
                    .startsWith("io_uring is not available (")
                    .endsWith("); " + expected + " taken instead");
        }
    }

    @Test
    void epollByNameIsEpollOrAClearError() {
        if (Epoll.isAvailable()) {
            Transport t = Transport.select("epoll", "pooled");
            assertThat(t.name()).isEqualTo("epoll");
            assertThat(t.socketChannel()).isEqualTo(EpollSocketChannel.class);
        } else {
            assertThatThrownBy(() -> Transport.select("epoll", "pooled"))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageEndingWith("; set runtime.transport to auto or nio");
        }
    }

    @Test
    void ioUringByNameIsIoUringOrAClearError() {
        if (Transport.isAvailable("io_uring")) {
            Transport t = Transport.select("io_uring", "pooled");
            assertThat(t.name()).isEqualTo("io_uring");
            assertThat(t.serverChannel()).isEqualTo(IoUringServerSocketChannel.class);
            assertThat(t.socketChannel()).isEqualTo(IoUringSocketChannel.class);
            assertThat(IoUring.isPollAddMultishotEnabled())
                    .as("one-shot polls: a multishot poll can miss a reset that comes with the last bytes")
                    .isFalse();
        } else {
            assertThatThrownBy(() -> Transport.select("io_uring", "pooled"))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageStartingWith("runtime.transport io_uring is not available here: ")
                    .hasMessageEndingWith("; set runtime.transport to epoll, auto or nio");
        }
    }

    @Test
    void autosFallbackSaysWhyIoUringWasNotTakenAndWhatWas() {
        Throwable cause = new UnsatisfiedLinkError("failed to load the required native library");
        cause.initCause(new RuntimeException("failed to create io_uring ring fd: Operation not permitted"));
        assertThat(Transport.autoFallback(cause, "epoll"))
                .isEqualTo("io_uring is not available (java.lang.UnsatisfiedLinkError: failed to load the required"
                        + " native library; caused by java.lang.RuntimeException: failed to create io_uring ring"
                        + " fd: Operation not permitted); epoll taken instead");
        assertThat(Transport.autoFallback(null, "nio"))
                .isEqualTo("io_uring is not available (no reason given); nio taken instead");
    }

    @Test
    void anUnavailableTransportSaysWhatWhyAndWhatToDo() {
        Throwable cause = new UnsatisfiedLinkError("failed to load the required native library");
        cause.initCause(new RuntimeException("failed to create io_uring ring fd: Operation not permitted"));
        assertThat(Transport.unavailable("io_uring", cause, "epoll, auto or nio").getMessage())
                .isEqualTo("runtime.transport io_uring is not available here: java.lang.UnsatisfiedLinkError: failed"
                        + " to load the required native library; caused by java.lang.RuntimeException: failed to"
                        + " create io_uring ring fd: Operation not permitted (io_uring needs Linux 5.14+ on x86_64,"
                        + " the sysctl kernel.io_uring_disabled at 0, a seccomp profile that allows io_uring_setup"
                        + " (container runtimes often block it) and enough locked memory, ulimit -l); set"
                        + " runtime.transport to epoll, auto or nio");
    }

    @Test
    void theAllocatorIsTheConfiguredOne() {
        assertThat(Transport.select("nio", "pooled").allocator()).isSameAs(PooledByteBufAllocator.DEFAULT);
        assertThat(Transport.select("nio").allocatorName()).isEqualTo("pooled");
        Transport adaptive = Transport.select("auto", "adaptive");
        assertThat(adaptive.allocatorName()).isEqualTo("adaptive");
        assertThat(adaptive.allocator()).isInstanceOf(AdaptiveByteBufAllocator.class)
                .as("one instance for the process").isSameAs(Transport.select("nio", "adaptive").allocator());
    }

    @Test
    void unknownNamesAreRefused() {
        assertThatThrownBy(() -> Transport.select("kqueue", "pooled")).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("unknown transport 'kqueue'; expected auto, epoll, io_uring or nio");
        assertThatThrownBy(() -> Transport.select("nio", "unpooled")).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("unknown allocator 'unpooled'; expected pooled or adaptive");
    }
}
