/*
 * The client-side token bucket (client-go's QPS and Burst): a burst of
 * requests goes out at once, then they are spaced at 1/qps. Callers
 * reserve a token and sleep outside the lock, so waiting workers do not
 * hold each other up.
 */
#include "k8s/k8s_int.h"

void
k8s_ratelimit_init(struct k8s_ratelimit *rl, double qps, unsigned burst)
{
	pthread_mutex_init(&rl->mu, NULL);
	rl->qps = qps;
	rl->burst = burst > 0 ? burst : 1;
	rl->tokens = rl->burst;
	rl->last_ms = -1;
}

void
k8s_ratelimit_release(struct k8s_ratelimit *rl)
{
	pthread_mutex_destroy(&rl->mu);
}

int64_t
k8s_ratelimit_reserve(struct k8s_ratelimit *rl, int64_t now_ms)
{
	int64_t wait_ms = 0;

	if (rl->qps <= 0)
		return 0;
	pthread_mutex_lock(&rl->mu);
	if (rl->last_ms >= 0 && now_ms > rl->last_ms)
		rl->tokens += (double)(now_ms - rl->last_ms) * rl->qps / 1000.0;
	if (rl->last_ms < 0 || now_ms > rl->last_ms)
		rl->last_ms = now_ms;
	if (rl->tokens > rl->burst)
		rl->tokens = rl->burst;
	rl->tokens -= 1.0;
	if (rl->tokens < 0)
		wait_ms = (int64_t)(-rl->tokens * 1000.0 / rl->qps + 0.999);
	pthread_mutex_unlock(&rl->mu);
	return wait_ms;
}
