package io.predictor.core.server;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.DuplexChannel;

/**
 * One side of a byte relay (TLS passthrough, TCP relay listeners): what is read here is written
 * to the peer. Two ways to move the bytes:
 *
 * <ul>
 *   <li><b>splice</b> — when both channels are epoll sockets on one event loop, the kernel moves
 *       the bytes through a pipe ({@code splice(2)}, Netty's {@code spliceTo}); they never enter
 *       the JVM, and Netty pauses reading a side while its peer's socket is full;</li>
 *   <li><b>copy</b> — otherwise (NIO, and io_uring: Netty 4.2's io_uring channels have no
 *       {@code spliceTo}), HexDumpProxy's relay: {@code AUTO_READ} off, read the next chunk
 *       only while the peer is writable, resume when it drains.</li>
 * </ul>
 *
 * Either way, a side's end is passed on as HAProxy does in TCP mode: when one side shuts its
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
    @SuppressWarnings("deprecation")
    static void start(Channel a, Channel b) {
        a.config().setOption(ChannelOption.ALLOW_HALF_CLOSURE, true);
        b.config().setOption(ChannelOption.ALLOW_HALF_CLOSURE, true);
        if (a instanceof EpollSocketChannel ea && b instanceof EpollSocketChannel eb && a.eventLoop() == b.eventLoop()) {
            ChannelFutureListener onFailure = f -> {
                if (!f.isSuccess()) {
                    closeOnFlush(a);
                    closeOnFlush(b);
                }
            };
            ea.spliceTo(eb, Integer.MAX_VALUE).addListener(onFailure);
            eb.spliceTo(ea, Integer.MAX_VALUE).addListener(onFailure);
            a.config().setOption(ChannelOption.AUTO_READ, true);
            b.config().setOption(ChannelOption.AUTO_READ, true);
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
            inputEnded((DuplexChannel) ctx.channel());
        }
        ctx.fireUserEventTriggered(evt);
    }

    /** This side sent FIN: what it sent goes out to the peer, then the peer's sending half is shut. */
    private void inputEnded(DuplexChannel self) {
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
                if (!done.isSuccess() || p.isInputShutdown()) {
                    self.close(); // both directions ended (or the peer is gone): nothing is left unread
                    p.close();
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
