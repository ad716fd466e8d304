"""Applications (办件): service requests, their timeline, materials, 秒批 and staff queues."""
