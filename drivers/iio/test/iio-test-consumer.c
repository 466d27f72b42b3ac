// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for the in-kernel consumer interface against the
 * unregistration of the device it uses: the unregistration waits for a
 * read in flight, and every consumer call made after it fails with
 * -ENODEV without calling into the driver.
 */

#include <kunit/device.h>
#include <kunit/test.h>
#include <linux/array_size.h>
#include <linux/bits.h>
#include <linux/completion.h>
#include <linux/delay.h>
#include <linux/device.h>
#include <linux/jiffies.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/sysfs.h>

#include <linux/iio/consumer.h>
#include <linux/iio/driver.h>
#include <linux/iio/iio.h>
#include <linux/iio/machine.h>

/* Every wait of a test is bounded by this; a wait that ends by it fails. */
#define ICT_TIMEOUT	(5 * HZ)

/* The driver's state: a read of channel 0 can be held. */
struct ict_priv {
	bool block;
	struct completion entered;
	struct completion release;
	bool unregistered;
	int ext_info_calls;
};

struct ict_reader {
	struct iio_channel *chan;
	int val;
	int ret;
	struct completion done;
};

struct ict {
	struct iio_dev *indio_dev;
	struct ict_priv *priv;
	struct iio_channel *chan[2];
	struct ict_reader *reader;
	bool registered;
	bool unregistering;
	struct completion unregistered;
	char *page;
};

static int ict_read_raw(struct iio_dev *indio_dev,
			struct iio_chan_spec const *chan,
			int *val, int *val2, long mask)
{
	struct ict_priv *priv = iio_priv(indio_dev);

	if (chan->channel == 0 && priv->block) {
		complete_all(&priv->entered);
		wait_for_completion_timeout(&priv->release, 2 * ICT_TIMEOUT);
	}
	*val = 100 + chan->channel;

	return IIO_VAL_INT;
}

static int ict_read_label(struct iio_dev *indio_dev,
			  struct iio_chan_spec const *chan, char *label)
{
	return sysfs_emit(label, "ict%d\n", chan->channel);
}

static const struct iio_info ict_info = {
	.read_raw = ict_read_raw,
	.read_label = ict_read_label,
};

/* The driver's callbacks must not run once the device is unregistered. */
static ssize_t ict_ext_info_read(struct iio_dev *indio_dev, uintptr_t private,
				 struct iio_chan_spec const *chan, char *buf)
{
	struct ict_priv *priv = iio_priv(indio_dev);

	if (priv->unregistered)
		priv->ext_info_calls++;

	return sysfs_emit(buf, "%d\n", chan->channel);
}

static ssize_t ict_ext_info_write(struct iio_dev *indio_dev, uintptr_t private,
				  struct iio_chan_spec const *chan,
				  const char *buf, size_t len)
{
	struct ict_priv *priv = iio_priv(indio_dev);

	if (priv->unregistered)
		priv->ext_info_calls++;

	return len;
}

static const struct iio_chan_spec_ext_info ict_ext_info[] = {
	{
		.name = "setting",
		.read = ict_ext_info_read,
		.write = ict_ext_info_write,
		.shared = IIO_SEPARATE,
	},
	{ }
};

static const struct iio_chan_spec ict_channels[] = {
	{
		.type = IIO_VOLTAGE,
		.indexed = 1,
		.channel = 0,
		.datasheet_name = "in0",
		.info_mask_separate = BIT(IIO_CHAN_INFO_RAW),
		.ext_info = ict_ext_info,
	}, {
		.type = IIO_VOLTAGE,
		.indexed = 1,
		.channel = 1,
		.datasheet_name = "in1",
		.info_mask_separate = BIT(IIO_CHAN_INFO_RAW),
	},
};

/*
 * The consumer is found by its channels' names: a KUnit device's name is
 * the test's, which a static map cannot give.
 */
static const struct iio_map ict_maps[] = {
	IIO_MAP("in0", "iio-test-consumer", "iio-test-consumer-in0"),
	IIO_MAP("in1", "iio-test-consumer", "iio-test-consumer-in1"),
	{ }
};

static int ict_init(struct kunit *test)
{
	struct device *dev;
	struct ict *t;
	int i;

	t = kunit_kzalloc(test, sizeof(*t), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, t);
	init_completion(&t->unregistered);
	/* Label and ext_info reads take a page-aligned buffer. */
	t->page = kunit_kzalloc(test, PAGE_SIZE, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, t->page);

	dev = kunit_device_register(test, "iio-test-consumer");
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, dev);

	t->indio_dev = iio_device_alloc(dev, sizeof(*t->priv));
	KUNIT_ASSERT_NOT_NULL(test, t->indio_dev);
	t->priv = iio_priv(t->indio_dev);
	init_completion(&t->priv->entered);
	init_completion(&t->priv->release);
	t->indio_dev->name = "iio-test-consumer";
	t->indio_dev->info = &ict_info;
	t->indio_dev->channels = ict_channels;
	t->indio_dev->num_channels = ARRAY_SIZE(ict_channels);
	t->indio_dev->modes = INDIO_DIRECT_MODE;
	test->priv = t;

	KUNIT_ASSERT_EQ(test, iio_device_register(t->indio_dev), 0);
	t->registered = true;
	KUNIT_ASSERT_EQ(test, iio_map_array_register(t->indio_dev, ict_maps), 0);

	for (i = 0; i < 2; i++) {
		t->chan[i] = iio_channel_get(NULL, i ? "iio-test-consumer-in1" :
						       "iio-test-consumer-in0");
		KUNIT_ASSERT_NOT_ERR_OR_NULL(test, t->chan[i]);
	}

	return 0;
}

static void ict_exit(struct kunit *test)
{
	struct ict *t = test->priv;
	int i;

	if (!t || !t->indio_dev)
		return;
	/*
	 * A case that failed half-way: let its kthreads finish.  If one does
	 * not, leak the device rather than free it under the kthread.
	 */
	t->priv->block = false;
	complete_all(&t->priv->release);
	if (t->reader &&
	    !wait_for_completion_timeout(&t->reader->done, ICT_TIMEOUT))
		return;
	if (t->unregistering &&
	    !wait_for_completion_timeout(&t->unregistered, ICT_TIMEOUT))
		return;

	for (i = 0; i < 2; i++)
		if (!IS_ERR_OR_NULL(t->chan[i]))
			iio_channel_release(t->chan[i]);
	iio_map_array_unregister(t->indio_dev);
	if (t->registered)
		iio_device_unregister(t->indio_dev);
	iio_device_free(t->indio_dev);
}

static int ict_reader_fn(void *data)
{
	struct ict_reader *r = data;

	r->ret = iio_read_channel_raw(r->chan, &r->val);
	complete_all(&r->done);

	return 0;
}

/* Read channel 0 in a kthread, held in read_raw() until ict_release(). */
static void ict_start_held_read(struct kunit *test)
{
	struct ict *t = test->priv;
	struct task_struct *task;
	struct ict_reader *r;

	r = kunit_kzalloc(test, sizeof(*r), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, r);
	r->chan = t->chan[0];
	init_completion(&r->done);
	t->priv->block = true;
	task = kthread_run(ict_reader_fn, r, "ict-read");
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, task);
	t->reader = r;
	KUNIT_ASSERT_NE(test, wait_for_completion_timeout(&t->priv->entered,
							  ICT_TIMEOUT), 0);
}

static void ict_release(struct kunit *test)
{
	struct ict *t = test->priv;

	t->priv->block = false;
	complete_all(&t->priv->release);
	KUNIT_ASSERT_NE(test, wait_for_completion_timeout(&t->reader->done,
							  ICT_TIMEOUT), 0);
}

static int ict_unregister_fn(void *data)
{
	struct ict *t = data;

	iio_device_unregister(t->indio_dev);
	t->priv->unregistered = true;
	complete_all(&t->unregistered);

	return 0;
}

static void ict_unregister(struct kunit *test)
{
	struct ict *t = test->priv;

	t->registered = false;
	iio_device_unregister(t->indio_dev);
	t->priv->unregistered = true;
}

static void ict_test_read(struct kunit *test)
{
	struct ict *t = test->priv;
	int val;

	KUNIT_EXPECT_EQ(test, iio_read_channel_raw(t->chan[0], &val), IIO_VAL_INT);
	KUNIT_EXPECT_EQ(test, val, 100);
	KUNIT_EXPECT_EQ(test, iio_read_channel_raw(t->chan[1], &val), IIO_VAL_INT);
	KUNIT_EXPECT_EQ(test, val, 101);
	KUNIT_EXPECT_EQ(test, iio_read_channel_label(t->chan[1], t->page), 5);
	KUNIT_EXPECT_STREQ(test, t->page, "ict1\n");
	KUNIT_EXPECT_EQ(test, iio_read_channel_ext_info(t->chan[0], "setting",
							t->page), 2);
	KUNIT_EXPECT_STREQ(test, t->page, "0\n");
	KUNIT_EXPECT_EQ(test, iio_write_channel_ext_info(t->chan[0], "setting",
							 "1", 1), 1);
}

/*
 * The unregistration waits for a read in flight, which completes; reads
 * fail after it.  Whether the unregistration has reached its wait when
 * it is checked is best effort: it has left sysfs, and had 100 ms more.
 */
static void ict_test_unregister_waits(struct kunit *test)
{
	struct ict *t = test->priv;
	struct task_struct *task;
	unsigned long end;
	int val;

	ict_start_held_read(test);

	task = kthread_run(ict_unregister_fn, t, "ict-unregister");
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, task);
	t->registered = false;
	t->unregistering = true;
	end = jiffies + ICT_TIMEOUT;
	while (device_is_registered(&t->indio_dev->dev) &&
	       time_before(jiffies, end))
		msleep(20);
	KUNIT_ASSERT_FALSE(test, device_is_registered(&t->indio_dev->dev));
	msleep(100);
	KUNIT_EXPECT_FALSE_MSG(test, completion_done(&t->unregistered),
			       "the unregistration did not wait for a read");

	ict_release(test);
	KUNIT_EXPECT_EQ(test, t->reader->ret, IIO_VAL_INT);
	KUNIT_EXPECT_EQ(test, t->reader->val, 100);
	KUNIT_ASSERT_NE(test, wait_for_completion_timeout(&t->unregistered,
							  ICT_TIMEOUT), 0);
	KUNIT_EXPECT_EQ(test, iio_read_channel_raw(t->chan[1], &val), -ENODEV);
}

/* Once the device is unregistered, the consumer calls fail ... */
static void ict_test_read_after_unregister(struct kunit *test)
{
	struct ict *t = test->priv;
	enum iio_chan_type type;
	int val;

	ict_unregister(test);
	KUNIT_EXPECT_EQ(test, iio_read_channel_raw(t->chan[0], &val), -ENODEV);
	KUNIT_EXPECT_EQ(test, iio_get_channel_type(t->chan[1], &type), -ENODEV);
	KUNIT_EXPECT_EQ(test, iio_write_channel_raw(t->chan[1], 1), -ENODEV);
}

/* ... without calling the driver's ext_info callbacks ... */
static void ict_test_ext_info_after_unregister(struct kunit *test)
{
	struct ict *t = test->priv;

	ict_unregister(test);
	KUNIT_EXPECT_EQ(test, iio_read_channel_ext_info(t->chan[0], "setting",
							t->page), -ENODEV);
	KUNIT_EXPECT_EQ(test, iio_write_channel_ext_info(t->chan[0], "setting",
							 "1", 1), -ENODEV);
	KUNIT_EXPECT_EQ(test, t->priv->ext_info_calls, 0);
}

/* ... and without reading the device's cleared info. */
static void ict_test_label_after_unregister(struct kunit *test)
{
	struct ict *t = test->priv;

	ict_unregister(test);
	KUNIT_EXPECT_EQ(test, iio_read_channel_label(t->chan[1], t->page),
			-ENODEV);
}

static struct kunit_case ict_cases[] = {
	KUNIT_CASE(ict_test_read),
	KUNIT_CASE(ict_test_unregister_waits),
	KUNIT_CASE(ict_test_read_after_unregister),
	KUNIT_CASE(ict_test_ext_info_after_unregister),
	/* Last: without the check, the label read dereferences NULL. */
	KUNIT_CASE(ict_test_label_after_unregister),
	{ }
};

static struct kunit_suite ict_suite = {
	.name = "iio-consumer",
	.init = ict_init,
	.exit = ict_exit,
	.test_cases = ict_cases,
};

kunit_test_suite(ict_suite);

MODULE_DESCRIPTION("Test IIO consumer calls against device unregistration");
MODULE_LICENSE("GPL");
MODULE_IMPORT_NS("IIO_CONSUMER");
