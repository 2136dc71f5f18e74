// Python: a sender and a receiver process joined by a one-way pipe; the receiver stops on
// EOFError once the sender has closed its end and every message has arrived.
//     def sender(conn, msgs):
//         for msg in msgs:
//             conn.send(msg)
//             print(f"Sent the message: {msg}")
//         conn.close()
//     def receiver(conn):
//         while True:
//             try:
//                 msg = conn.recv()
//             except EOFError:
//                 print("Receiver: EOFError, the sender closed the pipe")
//                 break
//             print(f"Received the message: {msg}")
//     recv_conn, send_conn = Pipe(duplex=False)
//     p1 = Process(target=sender, args=(send_conn, msgs)); p2 = Process(target=receiver,
//     args=(recv_conn,))
#include <mpact/mpact.hpp>

#include <iostream>
#include <string>
#include <vector>

void sender(mpact::Connection conn, std::vector<std::string> msgs) {
    for (const auto& msg : msgs) {
        conn.send(msg);
        std::cout << "Sent the message: " << msg << std::endl;
    }
    conn.close();
}
MPACT_TASK(sender);

void receiver(mpact::Connection conn) {
    while (true) {
        std::string msg;
        try {
            msg = conn.recv<std::string>();
        } catch (const mpact::EOFError&) {
            std::cout << "Receiver: EOFError, the sender closed the pipe" << std::endl;
            break;
        }
        std::cout << "Received the message: " << msg << std::endl;
    }
}
MPACT_TASK(receiver);

int main(int argc, char** argv) {
    mpact::init(argc, argv);
    std::vector<std::string> msgs{"hello", "hey", "hru?"};
    auto [recv_conn, send_conn] = mpact::pipe({.duplex = false});
    mpact::Process p1{sender, send_conn, msgs};
    mpact::Process p2{receiver, recv_conn};
    p1.start();
    p2.start();
    send_conn.close();  // the children hold the ends now
    recv_conn.close();
    p1.join();
    p2.join();
    return p1.exitcode() == 0 && p2.exitcode() == 0 ? 0 : 1;
}
