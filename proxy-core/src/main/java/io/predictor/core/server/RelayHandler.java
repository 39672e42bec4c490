package io.predictor.core.server;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.DuplexChannel;

/**
 * One side of a byte relay (TLS passthrough, TCP relay listeners): what is read here is written
 * to the peer (HexDumpProxy's relay): {@code AUTO_READ} off, the next chunk is read only while
 * the peer is writable, and reading resumes when it drains.
 *
 * <p>Why the bytes pass through the JVM on epoll too, not {@code splice(2)} (Netty's
 * {@code spliceTo}): with splicing, an origin that sent a few MiB and closed lost the last
 * 50–1,300 KiB of them in 5 runs out of 6 ({@code RelayListenersIT}; the cause inside Netty's
 * splice path was not pinned down). io_uring, the default transport, never spliced (its
 * channels have no {@code spliceTo}).
 *
 * <p>A side's end is passed on as HAProxy does in TCP mode: when one side shuts its
 * sending half (FIN), the other is flushed and its sending half shut in turn, and the relay
 * closes once both directions have ended. Why not close both at the first FIN: a client that
 * half-closes after its request would lose the answer, and closing a socket that still has
 * unread bytes makes the kernel send a reset, which can throw away the last bytes the other
 * side has not read yet. A side that closes outright or resets ends both at once. Relays have
 * no idle timeout (a database tunnel may be quiet for hours, and so may a half-closed one); TCP
 * keep-alive finds dead peers.
 */
final class RelayHandler extends ChannelInboundHandlerAdapter {

    private final Channel peer;

    RelayHandler(Channel peer) {
        this.peer = peer;
    }

    /** Starts relaying between two connected channels whose pipelines hold a RelayHandler each. */
    static void start(Channel a, Channel b) {
        a.config().setOption(ChannelOption.ALLOW_HALF_CLOSURE, true);
        b.config().setOption(ChannelOption.ALLOW_HALF_CLOSURE, true);
        // the client may have sent its bytes and its FIN while the origin was being connected
        if (a instanceof DuplexChannel d && d.isInputShutdown()) {
            b.read();
            passEnd(d, b);
        } else {
            a.read();
            b.read();
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        peer.write(msg, peer.voidPromise());
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        peer.flush();
        if (peer.isWritable() && !ctx.channel().config().isAutoRead()) {
            ctx.read();
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (ctx.channel().isWritable() && !peer.config().isAutoRead()) {
            peer.read();
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
        if (evt == ChannelInputShutdownEvent.INSTANCE) {
            passEnd((DuplexChannel) ctx.channel(), peer);
        }
        ctx.fireUserEventTriggered(evt);
    }

    /** {@code self} sent FIN: what it sent goes out to the peer, then the peer's sending half is shut. */
    private static void passEnd(DuplexChannel self, Channel peer) {
        if (!(peer instanceof DuplexChannel p) || !p.isActive()) {
            self.close();
            return;
        }
        p.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(f -> {
            if (!f.isSuccess()) {
                self.close();
                p.close();
                return;
            }
            p.shutdownOutput().addListener(done -> {
                if (!done.isSuccess()) {
                    self.close();
                    p.close();
                } else if (p.isInputShutdown()) {
                    // both directions ended: nothing is left unread; each side closes once what
                    // was written to it has gone out (the other FIN may have come in the same pass)
                    closeOnFlush(self);
                    closeOnFlush(p);
                }
            });
        });
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        closeOnFlush(peer);
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close(); // resets are routine; the close ends the peer too
    }

    static void closeOnFlush(Channel ch) {
        if (ch.isActive()) {
            ch.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
        } else {
            ch.close();
        }
    }
}
