# Functions the benchmark scripts share; sourced, not run.

# utime+stime of the whole process (all threads), in clock ticks. Fields are
# counted after the last ')' because the command name may contain spaces.
cpu_ticks() {
  local stat rest
  stat=$(<"/proc/$1/stat")
  rest=${stat##*) }
  local -a f
  read -ra f <<<"$rest"
  echo $((f[11] + f[12])) # fields 14 and 15; field 3 is f[0]
}
