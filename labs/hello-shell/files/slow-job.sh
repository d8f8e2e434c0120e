#!/bin/sh
# Pretends to do three seconds of work, then leaves job.done behind.
echo "slow-job.sh: started as process $$"
sleep 3
date > job.done
echo "slow-job.sh: finished"
