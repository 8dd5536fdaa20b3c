"""Reading the performance forms (绩效目标表 / 绩效自评表 / 部门整体支出绩效目标申报表) into projects and
indicators; see pipeline.projects for the stage."""
