// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for the in-kernel consumer interface against the
 * unregistration of the device it uses: the unregistration waits for a
 * read in flight, and every consumer call made after it fails with
 * -ENODEV without calling into the driver.
 */

#include <kunit/device.h>
#include <kunit/test.h>
#include <linux/completion.h>
#include <linux/delay.h>
#include <linux/device.h>
#include <linux/jiffies.h>
#include <linux/kthread.h>
#include <linux/module.h>

#include <linux/iio/consumer.h>
#include <linux/iio/driver.h>
#include <linux/iio/iio.h>
#include <linux/iio/machine.h>

/* Every wait of a test is bounded by this; a wait that ends by it fails. */
#define ICT_TIMEOUT	(2 * HZ)

struct ict_priv {
	bool unregistered;
	int ext_info_calls;
	bool block[2];
	struct completion entered[2];
	struct completion release[2];
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
	struct ict_reader *readers[1];
	int nr_readers;
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
	int ch = chan->channel;

	if (priv->block[ch]) {
		complete(&priv->entered[ch]);
		wait_for_completion_timeout(&priv->release[ch],
					    10 * ICT_TIMEOUT);
	}
	*val = 100 + ch;

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

static const struct iio_map ict_maps[] = {
	IIO_MAP("in0", "iio-test-consumer", "ict0"),
	IIO_MAP("in1", "iio-test-consumer", "ict1"),
	{ }
};

static int ict_init(struct kunit *test)
{
	struct device *parent;
	struct ict *t;
	int i;

	t = kunit_kzalloc(test, sizeof(*t), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, t);
	init_completion(&t->unregistered);
	/* Label and ext_info reads take a page-aligned buffer. */
	t->page = kunit_kzalloc(test, PAGE_SIZE, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, t->page);

	parent = kunit_device_register(test, "iio-test-consumer");
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, parent);

	t->indio_dev = iio_device_alloc(parent, sizeof(*t->priv));
	KUNIT_ASSERT_NOT_NULL(test, t->indio_dev);
	t->priv = iio_priv(t->indio_dev);
	for (i = 0; i < 2; i++) {
		init_completion(&t->priv->entered[i]);
		init_completion(&t->priv->release[i]);
	}
	t->indio_dev->name = "iio-test-consumer";
	t->indio_dev->info = &ict_info;
	t->indio_dev->channels = ict_channels;
	t->indio_dev->num_channels = ARRAY_SIZE(ict_channels);
	t->indio_dev->modes = INDIO_DIRECT_MODE;
	test->priv = t;

	KUNIT_ASSERT_EQ(test, iio_device_register(t->indio_dev), 0);
	t->registered = true;
	KUNIT_ASSERT_EQ(test, iio_map_array_register(t->indio_dev, ict_maps), 0);

	/* No device: the maps are found by the consumer channel's name. */
	for (i = 0; i < 2; i++) {
		t->chan[i] = iio_channel_get(NULL, i ? "ict1" : "ict0");
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
	/* A case that failed half-way: let its reads and kthreads finish. */
	for (i = 0; i < 2; i++) {
		t->priv->block[i] = false;
		complete_all(&t->priv->release[i]);
	}
	for (i = 0; i < t->nr_readers; i++)
		wait_for_completion_timeout(&t->readers[i]->done,
					    10 * ICT_TIMEOUT);
	if (t->unregistering)
		wait_for_completion_timeout(&t->unregistered, 10 * ICT_TIMEOUT);

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
	complete(&r->done);

	return 0;
}

static struct ict_reader *ict_start_read(struct kunit *test, int ch)
{
	struct ict *t = test->priv;
	struct task_struct *task;
	struct ict_reader *r;

	KUNIT_ASSERT_LT(test, t->nr_readers, ARRAY_SIZE(t->readers));
	r = kunit_kzalloc(test, sizeof(*r), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, r);
	r->chan = t->chan[ch];
	init_completion(&r->done);
	task = kthread_run(ict_reader_fn, r, "ict-read%d", ch);
	KUNIT_ASSERT_FALSE(test, IS_ERR(task));
	t->readers[t->nr_readers++] = r;

	return r;
}

static int ict_unregister_fn(void *data)
{
	struct ict *t = data;

	iio_device_unregister(t->indio_dev);
	t->priv->unregistered = true;
	complete(&t->unregistered);

	return 0;
}

/* Unregister in a kthread; return once the device has left sysfs. */
static void ict_start_unregister(struct kunit *test)
{
	struct ict *t = test->priv;
	struct task_struct *task;
	unsigned long end = jiffies + ICT_TIMEOUT;

	task = kthread_run(ict_unregister_fn, t, "ict-unregister");
	KUNIT_ASSERT_FALSE(test, IS_ERR(task));
	t->registered = false;
	t->unregistering = true;
	while (device_is_registered(&t->indio_dev->dev) &&
	       time_before(jiffies, end))
		msleep(20);
	KUNIT_ASSERT_FALSE(test, device_is_registered(&t->indio_dev->dev));
	/* Let it get past cdev_device_del() to where it waits. */
	msleep(100);
}

/* Let a blocked read_raw() go, and wait for its reader. */
static void ict_finish(struct kunit *test, struct ict_reader *r, int ch)
{
	struct ict *t = test->priv;

	t->priv->block[ch] = false;
	complete(&t->priv->release[ch]);
	KUNIT_ASSERT_NE(test, wait_for_completion_timeout(&r->done,
							  10 * ICT_TIMEOUT), 0);
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
 * The unregistration waits for a read in flight, which completes; after
 * it, reads fail.
 */
static void ict_test_unregister_waits(struct kunit *test)
{
	struct ict *t = test->priv;
	struct ict_reader *r0;
	int val;

	t->priv->block[0] = true;
	r0 = ict_start_read(test, 0);
	KUNIT_ASSERT_NE(test, wait_for_completion_timeout(&t->priv->entered[0],
							  ICT_TIMEOUT), 0);
	ict_start_unregister(test);
	KUNIT_EXPECT_FALSE_MSG(test, completion_done(&t->unregistered),
			       "the unregistration did not wait for a read");

	ict_finish(test, r0, 0);
	KUNIT_EXPECT_EQ(test, r0->ret, IIO_VAL_INT);
	KUNIT_EXPECT_EQ(test, r0->val, 100);
	KUNIT_ASSERT_NE(test, wait_for_completion_timeout(&t->unregistered,
							  ICT_TIMEOUT), 0);
	KUNIT_EXPECT_EQ(test, iio_read_channel_raw(t->chan[1], &val), -ENODEV);
}

static void ict_unregister(struct kunit *test)
{
	struct ict *t = test->priv;

	ict_start_unregister(test);
	KUNIT_ASSERT_NE(test, wait_for_completion_timeout(&t->unregistered,
							  ICT_TIMEOUT), 0);
}

/* Once the device is unregistered, the consumer calls fail. */
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
	/* Last: without the fix, the label read oopses. */
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
