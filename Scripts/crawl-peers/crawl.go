// A crawler in Go for Scripts/bench-crawl.sh: CONCURRENCY goroutines on one OS thread
// (run it with GOMAXPROCS=1) fetch every URL of URLS_FILE through one net/http client
// with at most PER_HOST connections to a host (default CONCURRENCY). Prints the wall time
// in seconds.
//
//	go run Scripts/crawl-peers/crawl.go CONCURRENCY URLS_FILE [PER_HOST]
package main

import (
	"bufio"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"sync"
	"time"
)

func main() {
	if len(os.Args) != 3 && len(os.Args) != 4 {
		fmt.Fprintln(os.Stderr, "use: crawl CONCURRENCY URLS_FILE [PER_HOST]")
		os.Exit(64)
	}
	concurrency, err := strconv.Atoi(os.Args[1])
	perHost := concurrency
	if len(os.Args) == 4 {
		perHost, err = strconv.Atoi(os.Args[3])
	}
	if err != nil || concurrency < 1 || perHost < 1 {
		fmt.Fprintln(os.Stderr, "crawl: CONCURRENCY and PER_HOST must be positive integers")
		os.Exit(64)
	}
	file, err := os.Open(os.Args[2])
	if err != nil {
		fmt.Fprintln(os.Stderr, "crawl:", err)
		os.Exit(66)
	}
	var urls []string
	lines := bufio.NewScanner(file)
	for lines.Scan() {
		if line := lines.Text(); line != "" {
			urls = append(urls, line)
		}
	}
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: perHost, MaxConnsPerHost: perHost}}
	jobs := make(chan string)
	var workers sync.WaitGroup
	failed := 0
	start := time.Now()
	for i := 0; i < concurrency; i++ {
		workers.Add(1)
		go func() {
			defer workers.Done()
			for url := range jobs {
				response, err := client.Get(url)
				if err != nil {
					failed++ // one OS thread: no other goroutine runs between the read and the write
					continue
				}
				n, err := io.Copy(io.Discard, response.Body)
				response.Body.Close()
				if err != nil || n == 0 || response.StatusCode != 200 {
					failed++
				}
			}
		}()
	}
	for _, url := range urls {
		jobs <- url
	}
	close(jobs)
	workers.Wait()
	elapsed := time.Since(start).Seconds()
	if failed > 0 {
		fmt.Fprintf(os.Stderr, "crawl: %d of %d URLs failed\n", failed, len(urls))
		os.Exit(1)
	}
	fmt.Printf("%.4f\n", elapsed)
}
