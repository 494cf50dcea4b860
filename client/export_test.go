package client

// Queued is how many checks wait in c's coalescing queue.
func Queued(c *Client) int {
	c.coalesce.mu.Lock()
	defer c.coalesce.mu.Unlock()
	return len(c.coalesce.queue)
}
