// hiredis's reply reader and command formatter, which GreenletRedis drives over a
// green thread's own connection; hiredis's sockets and event adapters are not used.
#include <hiredis/hiredis.h>
