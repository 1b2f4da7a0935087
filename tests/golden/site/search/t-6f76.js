CatalogSearch.add("t","ov",{"overfitting":[4.656,"0_"],"overfitting small":[2.607,"0_"]});
