CatalogSearch.add("t","ov",{"overfitting":[4.653,"0_"],"overfitting small":[2.607,"0_"]});
