CatalogSearch.add("t","tr",{"trainable":[4.554,"3_"],"trainable neural":[2.607,"3_"],"trained":[1.035,"0_"],"training":[1.087,"0e3_"],"tristan":[3.507,"2_"]});
